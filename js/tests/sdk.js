// Loads the built package (pkg/, from scripts/build-wasm.sh) the way a Node app
// would: the web target's init() given the .wasm bytes.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as sdk from "video-session-sdk";

export async function loadSdk() {
  const wasm = readFileSync(resolve(import.meta.dirname, "../../pkg/video_session_sdk_bg.wasm"));
  await sdk.default({ module_or_path: wasm });
  return sdk;
}
