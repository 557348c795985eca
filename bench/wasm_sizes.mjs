// Where the wasm's bytes go: sums each function body's size by crate, using the
// `name` section of an unstripped build. Not part of the figures; a tool for the
// "why" of figure 1. TOP=n lists the n largest functions (default 15). Usage:
//   CARGO_TARGET_DIR=/tmp/t CARGO_PROFILE_RELEASE_STRIP=false \
//     cargo build --release --lib --target wasm32-unknown-unknown
//   node bench/wasm_sizes.mjs /tmp/t/wasm32-unknown-unknown/release/video_session_sdk.wasm
// (Sizes are before wasm-bindgen and wasm-opt, so they are larger than pkg/'s, and
// include wasm-bindgen's describe functions, which wasm-bindgen removes.) For the
// shipped code by crate, keep the names through both steps and measure that:
//   wasm-bindgen --target web --keep-debug --out-dir /tmp/n <the .wasm above>
//   wasm-opt -Oz --converge --low-memory-unused -g /tmp/n/video_session_sdk_bg.wasm -o /tmp/n/named.wasm
//   node bench/wasm_sizes.mjs /tmp/n/named.wasm

import { readFileSync } from "node:fs";

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

function sections(bytes) {
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [len, body] = leb(bytes, at + 1);
    out.push({ id, body, end: body + len });
    at = body + len;
  }
  return out;
}

function importedFunctions(bytes, sec) {
  let [n, at] = leb(bytes, sec.body);
  let funcs = 0;
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < 2; s++) {
      const [len, p] = leb(bytes, at);
      at = p + len;
    }
    const kind = bytes[at++];
    if (kind === 0) {
      funcs++;
      at = leb(bytes, at)[1];
    } else if (kind === 1) {
      at += 1;
      const flags = bytes[at++];
      at = leb(bytes, at)[1];
      if (flags & 1) at = leb(bytes, at)[1];
    } else if (kind === 2) {
      const flags = bytes[at++];
      at = leb(bytes, at)[1];
      if (flags & 1) at = leb(bytes, at)[1];
    } else if (kind === 3) {
      at += 2;
    } else {
      at = leb(bytes, at + 1)[1];
    }
  }
  return funcs;
}

function functionNames(bytes, sec) {
  const names = new Map();
  let [nameLen, at] = leb(bytes, sec.body);
  if (new TextDecoder().decode(bytes.subarray(at, at + nameLen)) !== "name") return null;
  at += nameLen;
  while (at < sec.end) {
    const id = bytes[at];
    const [len, body] = leb(bytes, at + 1);
    if (id === 1) {
      let [count, p] = leb(bytes, body);
      for (let i = 0; i < count; i++) {
        const [idx, q] = leb(bytes, p);
        const [l, r] = leb(bytes, q);
        names.set(idx, new TextDecoder().decode(bytes.subarray(r, r + l)));
        p = r + l;
      }
    }
    at = body + len;
  }
  return names;
}

const LEGACY = { "$LT$": "<", "$GT$": ">", "$RF$": "&", "$u20$": " ", "$C$": ",", "$u7b$": "{", "$u7d$": "}", "..": "::" };

/** The crate a Rust symbol (legacy `_ZN…` or v0 `_R…` mangling) belongs to, best effort. */
function crateOf(name) {
  const v0 = /^_R.*?C[sv]?[0-9A-Za-z]*_(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(name);
  if (name.startsWith("_R") && v0) return v0[2].slice(0, Number(v0[1]));
  const legacy = /^_ZN(\d+)/.exec(name);
  if (legacy) {
    let seg = name.slice(legacy[0].length, legacy[0].length + Number(legacy[1]));
    for (const [k, v] of Object.entries(LEGACY)) seg = seg.split(k).join(v);
    const inner = /^_?<(?:&(?:mut )?)?([a-z_][a-z0-9_]*)/.exec(seg);
    if (inner) return inner[1];
    return seg;
  }
  // Demangled (wasm-bindgen --keep-debug, wasm-opt -g): `crate[hash]::…`, `<crate::T as …>`.
  const plain = /^(?:<)*(?:&(?:mut )?|dyn |\*(?:const|mut) )*([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(name);
  if (plain) return plain[1];
  if (/shim|^__wbg|^__wbindgen|^__externref|^closure\d|^wasm-bindgen/.test(name)) return "(wasm-bindgen shims)";
  return "(other)";
}

const file = process.argv[2];
if (!file) {
  console.error("usage: node bench/wasm_sizes.mjs <unstripped .wasm>");
  process.exit(2);
}
const bytes = readFileSync(file);
const secs = sections(bytes);
const imports = secs.find((s) => s.id === 2);
const firstLocal = imports ? importedFunctions(bytes, imports) : 0;
const names = secs.filter((s) => s.id === 0).map((s) => functionNames(bytes, s)).find(Boolean);
if (!names) throw new Error(`${file} has no name section (build with CARGO_PROFILE_RELEASE_STRIP=false)`);
const code = secs.find((s) => s.id === 10);
let [count, at] = leb(bytes, code.body);
const byCrate = new Map();
const biggest = [];
for (let i = 0; i < count; i++) {
  const [len, body] = leb(bytes, at);
  const name = names.get(firstLocal + i) || `func${firstLocal + i}`;
  const crate = crateOf(name);
  byCrate.set(crate, (byCrate.get(crate) || 0) + len);
  biggest.push([len, name]);
  at = body + len;
}
const total = [...byCrate.values()].reduce((a, b) => a + b, 0);
const data = secs.filter((s) => s.id === 11).reduce((a, s) => a + s.end - s.body, 0);
console.log(`code ${total} bytes in ${count} functions; data ${data} bytes; file ${bytes.length} bytes`);
for (const [crate, n] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${String(n).padStart(9)}  ${((100 * n) / total).toFixed(1).padStart(5)}%  ${crate}`);
}
console.log("largest functions:");
for (const [n, name] of biggest.sort((a, b) => b[0] - a[0]).slice(0, Number(process.env.TOP || 15))) {
  console.log(`${String(n).padStart(9)}  ${name.slice(0, 140)}`);
}
