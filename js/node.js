// The package's entry under Node: the same module as in browsers, but `init()` with
// no argument reads the .wasm from disk (Node's fetch cannot load file: URLs), so
// `await init()` works unchanged in both places.
import { readFileSync } from "node:fs";
import init from "./video_session_sdk.js";

export * from "./video_session_sdk.js";

export default function initNode(input) {
  return init(input ?? { module_or_path: readFileSync(new URL("./video_session_sdk_bg.wasm", import.meta.url)) });
}
