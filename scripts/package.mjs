// Post-build step of scripts/build-wasm.sh: turns wasm-pack's pkg/ into the npm
// package. wasm-pack writes a package.json without `exports` and knows nothing of the
// React entry, the Node entry or the React Native entry (pkg/react-native.js, from
// scripts/build-rn.sh), so this adds them; it never edits generated code.
//
// React Native: Metro picks the `react-native` export condition (and, with package
// exports off, the `react-native` field), so `import ... from "video-session-sdk"`
// gets the entry that needs no WebAssembly. `./react` has no engine-specific code;
// its `react-native` condition names the same file so resolution never falls through
// to a browser-only path.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const pkg = join(root, "pkg");
const generated = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
if (!existsSync(join(pkg, "react-native.js"))) {
  console.error("package: pkg/react-native.js is missing; run scripts/build-rn.sh (scripts/build-wasm.sh does)");
  process.exit(1);
}

mkdirSync(join(pkg, "react"), { recursive: true });
for (const f of ["index.js", "index.d.ts"]) copyFileSync(join(root, "js/react", f), join(pkg, "react", f));
copyFileSync(join(root, "js/node.js"), join(pkg, "node.js"));
// The package's own README (wasm-pack copies the repository's, whose links and scripts
// are not in the tarball).
copyFileSync(join(root, "js/README.package.md"), join(pkg, "README.md"));
writeFileSync(join(pkg, "node.d.ts"), 'export * from "./video_session_sdk.js";\nexport { default } from "./video_session_sdk.js";\n');

// wasm-bindgen declares `[Symbol.dispose]()`; strict projects on an ES2022 lib without
// skipLibCheck need the lib that declares Symbol.dispose.
const dts = join(pkg, "video_session_sdk.d.ts");
const ref = '/// <reference lib="esnext.disposable" />\n';
const types = readFileSync(dts, "utf8");
if (!types.startsWith(ref)) writeFileSync(dts, ref + types);

// Node-only TypeScript projects (no DOM lib, skipLibCheck off) cannot resolve the DOM
// and WebAssembly names wasm-bindgen writes. Each is replaced by a structural type, or
// by the global's own type where some lib declares it (`never` where none does), so
// DOM projects see exactly the types they saw before. A missing line fails the build:
// a wasm-bindgen upgrade that changes them must be looked at.
const structural = `
/** The shape of the Web Storage API (localStorage), so no DOM library is needed. */
export interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  key(index: number): string | null;
  readonly length: number;
}
/** The instance type of global \`K\` where a lib declares it (DOM, @types/node), else never. */
type GlobalInstance<K extends string> = typeof globalThis extends { [P in K]: { prototype: infer T } } ? T : never;
/** The instance type of \`WebAssembly[K]\` where a lib declares it, else never. */
type WasmInstance<K extends string> = typeof globalThis extends { WebAssembly: { [P in K]: { prototype: infer T } } } ? T : never;
`;
const replacements = [
  ["storage?: StorageAdapter | Storage | ", "storage?: StorageAdapter | WebStorage | "],
  [
    "export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;",
    'export type InitInput = string | GlobalInstance<"Request"> | GlobalInstance<"URL"> | GlobalInstance<"Response"> | ArrayBuffer | ArrayBufferView | WasmInstance<"Module">;',
  ],
  ["export type SyncInitInput = BufferSource | WebAssembly.Module;", 'export type SyncInitInput = ArrayBuffer | ArrayBufferView | WasmInstance<"Module">;'],
  ["readonly memory: WebAssembly.Memory;", 'readonly memory: WasmInstance<"Memory">;'],
  ["readonly __wbindgen_externrefs: WebAssembly.Table;", 'readonly __wbindgen_externrefs: WasmInstance<"Table">;'],
];
let nodeOnly = readFileSync(dts, "utf8");
if (!nodeOnly.includes("export interface WebStorage")) {
  for (const [from, to] of replacements) {
    if (!nodeOnly.includes(from)) {
      console.error(`package: expected \`${from}\` in ${dts} (wasm-bindgen output changed?)`);
      process.exit(1);
    }
    nodeOnly = nodeOnly.replace(from, to);
  }
  writeFileSync(dts, nodeOnly.replace(/\n/, "\n" + structural));
}

// `import wasmUrl from "video-session-sdk/video_session_sdk_bg.wasm"` gives a URL
// string in every bundler recipe the README gives; wasm-bindgen's file of that name
// declares the raw wasm exports (meant for its `bundler` target, unused by `web`).
writeFileSync(
  join(pkg, "video_session_sdk_bg.wasm.d.ts"),
  `/**
 * The URL of the package's WebAssembly module, as bundlers give it for an asset
 * import (esbuild \`--loader:.wasm=file\`, webpack \`type: "asset/resource"\`, Vite
 * \`?url\`). Pass it to \`init({ module_or_path })\`.
 */
declare const wasmUrl: string;
export default wasmUrl;
`,
);

const manifest = {
  name: "video-session-sdk",
  version: generated.version,
  description:
    "Video-call session tracking for Convex that never loses a record: a durable, exactly-once offline outbox in Rust/WebAssembly, with a React hook.",
  license: generated.license ?? "MIT",
  repository: generated.repository,
  keywords: ["convex", "video-call", "offline", "outbox", "webassembly", "react", "react-native"],
  type: "module",
  main: "./video_session_sdk.js",
  types: "./video_session_sdk.d.ts",
  "react-native": "./react-native.js",
  exports: {
    ".": {
      types: "./video_session_sdk.d.ts",
      "react-native": "./react-native.js",
      node: "./node.js",
      default: "./video_session_sdk.js",
    },
    "./react": { types: "./react/index.d.ts", "react-native": "./react/index.js", default: "./react/index.js" },
    "./video_session_sdk_bg.wasm": { types: "./video_session_sdk_bg.wasm.d.ts", default: "./video_session_sdk_bg.wasm" },
    "./package.json": "./package.json",
  },
  files: [
    "video_session_sdk_bg.wasm",
    "video_session_sdk_bg.wasm.d.ts",
    "video_session_sdk.js",
    "video_session_sdk.d.ts",
    "node.js",
    "node.d.ts",
    "react-native.js",
    "react/index.js",
    "react/index.d.ts",
    "README.md",
  ],
  sideEffects: false,
  // All optional: the SDK imports none of them. React is for `video-session-sdk/react`;
  // on React Native the app passes AsyncStorage and NetInfo to `create()` (the SDK takes
  // any object of their shape), so these only tell npm which versions were meant.
  peerDependencies: {
    react: ">=17",
    "@react-native-async-storage/async-storage": ">=1.17",
    "@react-native-community/netinfo": ">=9",
  },
  peerDependenciesMeta: {
    react: { optional: true },
    "@react-native-async-storage/async-storage": { optional: true },
    "@react-native-community/netinfo": { optional: true },
  },
  // ES modules only: `require()` of them needs Node 20.19+ or 22.12+ (README, "CommonJS").
  engines: { node: "^20.19.0 || >=22.12.0" },
};
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`package: pkg/package.json written (${manifest.name}@${manifest.version}, entries ., ./react; conditions react-native, node, default)`);
