// Figure 1: what a page downloads — the .wasm plus the JS glue, each `gzip -9`.
// Measured on the runner's private copy of pkg/ (pkg/ itself is shared and may be
// rebuilt at any moment). Also lists the wasm's custom sections: a `name` section
// means pkg/ holds a dev or profiling build rather than the stripped release build,
// and the runner says so next to the figure.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const gz = (bytes) => execFileSync("gzip", ["-9", "-c"], { input: bytes, maxBuffer: 64 << 20 }).length;

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

/** Splits a wasm binary into (custom section name → size) and the binary without them. */
export function customSections(bytes) {
  const custom = {};
  const kept = [bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++];
    const [len, body] = leb(bytes, at);
    const end = body + len;
    if (id === 0) {
      const [nameLen, nameAt] = leb(bytes, body);
      const name = new TextDecoder().decode(bytes.subarray(nameAt, nameAt + nameLen));
      custom[name] = (custom[name] || 0) + (end - start);
    } else {
      kept.push(bytes.subarray(start, end));
    }
    at = end;
  }
  return { custom, stripped: Buffer.concat(kept) };
}

/** Sizes of `dir`'s video_session_sdk_bg.wasm and video_session_sdk.js. */
export function packageSize(dir) {
  const wasm = readFileSync(join(dir, "video_session_sdk_bg.wasm"));
  const js = readFileSync(join(dir, "video_session_sdk.js"));
  const { custom, stripped } = customSections(wasm);
  const wasmGz = gz(wasm);
  const jsGz = gz(js);
  return {
    wasmRaw: wasm.length,
    wasmGzip: wasmGz,
    jsRaw: js.length,
    jsGzip: jsGz,
    totalGzip: wasmGz + jsGz,
    customSections: custom,
    releaseLike: !("name" in custom),
    strippedTotalGzip: gz(stripped) + jsGz,
  };
}
