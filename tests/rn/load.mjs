// Loads one build of the SDK for the React Native suites, by name:
// - "wasm": the web entry (pkg/video_session_sdk.js) given the .wasm bytes, as Node
//   apps and the other JS suites load it;
// - "rn": the React Native entry (pkg/react-native.js) with the host's TextEncoder;
// - "rn-bare": the React Native entry with `WebAssembly`, `TextEncoder` and
//   `TextDecoder` deleted first, as in Hermes (so the private codec runs).
//
// Node's own fetch (undici) parses HTTP with llhttp compiled to WebAssembly, so
// `warmFetch` makes one request before the global is deleted: only the SDK then runs
// without WebAssembly, while Node's HTTP client keeps the module it compiled.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../e2e/support.mjs";

export const BUILDS = ["wasm", "rn", "rn-bare"];

export async function loadBuild(name, { warmFetch } = {}) {
  if (name === "wasm") {
    const sdk = await import(pathToFileURL(join(ROOT, "pkg/video_session_sdk.js")).href);
    const exports = await sdk.default({ module_or_path: readFileSync(join(ROOT, "pkg/video_session_sdk_bg.wasm")) });
    return { sdk, memory: () => exports.memory.buffer.byteLength };
  }
  if (name !== "rn" && name !== "rn-bare") throw new Error(`unknown build ${name}`);
  if (name === "rn-bare") {
    if (warmFetch) await fetch(warmFetch).then((r) => r.arrayBuffer(), () => undefined);
    delete globalThis.WebAssembly;
    delete globalThis.TextEncoder;
    delete globalThis.TextDecoder;
  }
  const sdk = await import(pathToFileURL(join(ROOT, "pkg/react-native.js")).href);
  await sdk.default();
  return { sdk, memory: () => sdk.initSync().memory.buffer.byteLength };
}
