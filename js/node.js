// The package's entry under Node: the same module as in browsers, but `init()` with
// no argument reads the .wasm from disk (Node's fetch cannot load file: URLs), so
// `await init()` works unchanged in both places.
//
// Why it searches instead of trusting one URL: bundlers (webpack, Turbopack in a
// Next.js server build, esbuild to CommonJS) rewrite or erase
// `new URL("./video_session_sdk_bg.wasm", import.meta.url)`, so the file next to this
// module may be a `/_next/...` path, a URL from another realm, or `undefined`. The
// package's own copy in node_modules is still there, so each place is tried in turn
// and the first readable one wins.
//
// Why `initNode` is async: every failure, including a bad argument, must reach the
// caller as a rejected promise; `init().catch(...)` at module level in a server-rendered
// file must never crash the process or a `next build`.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import init from "./video_session_sdk.js";

export * from "./video_session_sdk.js";

const WASM = "video_session_sdk_bg.wasm";
const PACKAGE = "video-session-sdk";

/** An `Error` named "VideoSessionError" with `code` "WASM_NOT_FOUND", like the SDK's own errors. */
function notFound(message, tried) {
  const err = new Error(message);
  err.name = "VideoSessionError";
  err.code = "WASM_NOT_FOUND";
  err.tried = tried;
  return err;
}

/** A file: URL (of any realm) as a path, a plain path as is, anything else null. */
function asPath(place) {
  if (typeof place === "string") {
    if (/^file:/i.test(place)) return fileURLToPath(place);
    return /^[a-z][a-z0-9+.-]*:/i.test(place) && !/^[a-z]:[\\/]/i.test(place) ? null : place;
  }
  const href = place && typeof place === "object" && typeof place.href === "string" ? place.href : null;
  return href && /^file:/i.test(href) ? fileURLToPath(href) : null;
}

/** node_modules/video-session-sdk/<wasm> in `start` and every directory above it. */
function upwards(start) {
  const found = [];
  for (let dir = start; ; dir = dirname(dir)) {
    found.push(join(dir, "node_modules", PACKAGE, WASM));
    if (dirname(dir) === dir) return found;
  }
}

/**
 * Where the .wasm may be, most specific first. Plain file reads on purpose: bundlers
 * analyse `createRequire(...).resolve(...)` and `require.resolve` (webpack turns them
 * into a context of the whole package), but leave computed paths alone.
 */
function candidates() {
  return [
    ["next to this module", () => [asPath(new URL("./video_session_sdk_bg.wasm", import.meta.url))]],
    ["node_modules above this module", () => upwards(dirname(fileURLToPath(import.meta.url)))],
    ["node_modules above the working directory", () => upwards(process.cwd())],
  ];
}

async function findWasm() {
  const tried = [];
  for (const [label, where] of candidates()) {
    let paths;
    try {
      paths = where().filter(Boolean);
    } catch (err) {
      tried.push(`${label}: ${err?.code ?? err?.message ?? err}`);
      continue;
    }
    for (const path of paths) {
      try {
        return await readFile(path);
      } catch (err) {
        if (err?.code !== "ENOENT" && err?.code !== "ENOTDIR") tried.push(`${path}: ${err?.code ?? err}`);
      }
    }
    tried.push(paths.length ? `${label} (${paths[0]}${paths.length > 1 ? " and up" : ""}): not there` : `${label}: not a file path`);
  }
  throw notFound(
    `video-session-sdk: could not find ${WASM}. Pass its location or bytes: init({ module_or_path }). Tried: ${tried.join("; ")}`,
    tried,
  );
}

/**
 * `init()` for Node. With no argument it loads the package's .wasm from disk. It also
 * accepts what the browser `init` does (`{ module_or_path }`, bytes, a
 * `WebAssembly.Module`, a `Response`, an http(s) URL) plus a file path or file: URL,
 * which it reads from disk.
 */
export default async function initNode(input) {
  let options = input;
  if (input == null || Object.getPrototypeOf(input) !== Object.prototype) options = { module_or_path: input };
  let source = options.module_or_path;
  if (source == null) {
    source = await findWasm();
  } else {
    const path = typeof source === "string" || typeof source?.href === "string" ? asPath(source) : null;
    if (path) source = await readFile(path);
  }
  return init({ ...options, module_or_path: source });
}
