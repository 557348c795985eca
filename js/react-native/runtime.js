// The React Native entry's private runtime: what wasm-bindgen's glue expects from the
// host that Hermes lacks. scripts/build-rn.mjs inlines this file into one function
// scope of pkg/react-native.js, so nothing here becomes a global: the glue receives
// these as parameters named like the globals it reads.
//
// Why each piece exists:
// - Hermes has no TextEncoder/TextDecoder; the glue needs UTF-8 both ways (and
//   `encodeInto`). The host's are used when present (faster, native); the private
//   ones are plain UTF-8 with the WHATWG replacement rules, so results match.
// - Hermes has no `WebAssembly`; the glue only needs `new WebAssembly.Module(x)`
//   and `new WebAssembly.Instance(module, imports)` (its synchronous `initSync`), so
//   the stand-in's Instance runs the wasm2js translation of the same core with the
//   glue's imports. Its memory never grows (the `fixed-heap` build), so the glue's
//   cached memory views stay valid.
/* eslint-disable no-unused-vars */

/** UTF-8 encoding of `str` into `out` from 0; returns {read, written} like encodeInto. */
function vssUtf8Encode(str, out) {
  const n = str.length;
  const cap = out.length;
  let i = 0;
  let w = 0;
  while (i < n) {
    let c = str.charCodeAt(i);
    let units = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? str.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        units = 2;
      } else {
        c = 0xfffd; // a lone surrogate, as the WHATWG encoder does
      }
    }
    if (c < 0x80) {
      if (w + 1 > cap) break;
      out[w++] = c;
    } else if (c < 0x800) {
      if (w + 2 > cap) break;
      out[w++] = 0xc0 | (c >> 6);
      out[w++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      if (w + 3 > cap) break;
      out[w++] = 0xe0 | (c >> 12);
      out[w++] = 0x80 | ((c >> 6) & 0x3f);
      out[w++] = 0x80 | (c & 0x3f);
    } else {
      if (w + 4 > cap) break;
      out[w++] = 0xf0 | (c >> 18);
      out[w++] = 0x80 | ((c >> 12) & 0x3f);
      out[w++] = 0x80 | ((c >> 6) & 0x3f);
      out[w++] = 0x80 | (c & 0x3f);
    }
    i += units;
  }
  return { read: i, written: w };
}

/** Bytes UTF-8 needs for `str` (lone surrogates count as U+FFFD). */
function vssUtf8Length(str) {
  let len = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
      const d = str.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 4;
        i++;
      } else len += 3;
    } else len += 3;
  }
  return len;
}

function VssTextEncoder() {}
VssTextEncoder.prototype.encoding = "utf-8";
VssTextEncoder.prototype.encode = function encode(str) {
  const s = str === undefined ? "" : String(str);
  const out = new Uint8Array(vssUtf8Length(s));
  vssUtf8Encode(s, out);
  return out;
};
VssTextEncoder.prototype.encodeInto = function encodeInto(str, view) {
  return vssUtf8Encode(String(str), view);
};

/** UTF-8 only; `fatal` throws a TypeError on malformed input, else U+FFFD. */
function VssTextDecoder(label, options) {
  const name = label === undefined ? "utf-8" : String(label).trim().toLowerCase();
  if (name !== "utf-8" && name !== "utf8" && name !== "unicode-1-1-utf-8") {
    throw new RangeError(`TextDecoder: only utf-8 is supported here, not "${label}"`);
  }
  this.fatal = Boolean(options && options.fatal);
  this.ignoreBOM = Boolean(options && options.ignoreBOM);
}
VssTextDecoder.prototype.encoding = "utf-8";
VssTextDecoder.prototype.decode = function decode(input) {
  if (input === undefined) return "";
  const bytes = input instanceof Uint8Array ? input : ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
  const fatal = this.fatal;
  const n = bytes.length;
  let i = 0;
  if (!this.ignoreBOM && n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  let out = "";
  let chunk = [];
  const bad = () => {
    if (fatal) throw new TypeError("The encoded data was not valid UTF-8");
    chunk.push(0xfffd);
  };
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      chunk.push(b);
      i += 1;
    } else {
      // Expected length and the allowed range of the second byte (WHATWG UTF-8 decoder).
      let need = 0;
      let lo = 0x80;
      let hi = 0xbf;
      let cp = 0;
      if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
      else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; if (b === 0xe0) lo = 0xa0; if (b === 0xed) hi = 0x9f; }
      else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07; if (b === 0xf0) lo = 0x90; if (b === 0xf4) hi = 0x8f; }
      else { bad(); i += 1; continue; }
      let j = i + 1;
      let ok = true;
      for (let k = 0; k < need; k++, j++) {
        const c = j < n ? bytes[j] : -1;
        const min = k === 0 ? lo : 0x80;
        const max = k === 0 ? hi : 0xbf;
        if (c < min || c > max) { ok = false; break; }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (!ok) { bad(); i = j; continue; }
      i = j;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else chunk.push(cp);
    }
    if (chunk.length >= 4096) {
      out += String.fromCharCode.apply(null, chunk);
      chunk = [];
    }
  }
  return out + String.fromCharCode.apply(null, chunk);
};

/** The host's TextEncoder/TextDecoder when it has both, else the private ones. */
function vssTextCodec(host) {
  const hasHost = typeof host.TextEncoder === "function" && typeof host.TextDecoder === "function";
  return hasHost
    ? { TextEncoder: host.TextEncoder, TextDecoder: host.TextDecoder, native: true }
    : { TextEncoder: VssTextEncoder, TextDecoder: VssTextDecoder, native: false };
}

/**
 * What the entry knows about its one core: `aborted` once the core trapped (wasm2js
 * turns a trap into `Error("abort")`; the core does not panic, so with the fixed heap
 * it is an allocation failure) and `onAbort`, the waiters the platform glue rejects
 * then. A trap leaves the core's state half-updated (a borrow held, an allocation
 * half-made), so after it no export runs again in this JS runtime: what was stored
 * stays in storage for the next process.
 */
function vssCoreState() {
  return { aborted: false, onAbort: [] };
}

function vssOutOfMemory() {
  const e = new Error(
    "the SDK's core ran out of memory (the React Native entry's fixed 32 MiB heap) and was stopped; " +
      "ops already stored stay stored and are delivered by the next launch",
  );
  e.name = "VideoSessionError";
  e.code = "OUT_OF_MEMORY";
  return e;
}

function vssStoppedCore() {
  const e = new Error(
    "this client was closed: the SDK's core ran out of memory earlier in this process; stored ops are delivered by the next launch",
  );
  e.name = "VideoSessionError";
  e.code = "CLOSED";
  return e;
}

/** `f` guarded: a trap becomes OUT_OF_MEMORY once, then every call is CLOSED. */
function vssGuardExport(f, state) {
  const stop = (e) => {
    if (e instanceof Error && e.message === "abort" && !state.aborted) {
      state.aborted = true;
      const err = vssOutOfMemory();
      const waiters = state.onAbort.splice(0);
      for (const w of waiters) w(err);
      return err;
    }
    return e;
  };
  // Fixed parameters, no rest/spread: these run on every call into the core, and
  // Hermes allocates an array for each spread (it doubled create() over 1,000 ops).
  // Extra `undefined` arguments are ignored by the translated functions.
  if (f.length <= 8) {
    return function guardedExport(a, b, c, d, e, g, h, i) {
      if (state.aborted) throw vssStoppedCore();
      try {
        return f(a, b, c, d, e, g, h, i);
      } catch (err) {
        throw stop(err);
      }
    };
  }
  return function guardedExport() {
    if (state.aborted) throw vssStoppedCore();
    try {
      return f.apply(undefined, arguments);
    } catch (err) {
      throw stop(err);
    }
  };
}

/** Each exported function of the core, guarded (see vssGuardExport). */
function vssGuardExports(exports, state) {
  const guarded = {};
  for (const name of Object.keys(exports)) {
    const f = exports[name];
    guarded[name] = typeof f === "function" ? vssGuardExport(f, state) : f;
  }
  return guarded;
}

/**
 * The part of `WebAssembly` wasm-bindgen's `initSync` uses, over `instantiateCore`
 * (the wasm2js translation: imports in, exports out). No code is fetched or compiled.
 */
function vssWebAssemblyStandIn(instantiateCore, state) {
  function Module() {}
  function Instance(module, imports) {
    if (!(module instanceof Module)) throw new TypeError("not a module of the React Native build");
    this.exports = state ? vssGuardExports(instantiateCore(imports), state) : instantiateCore(imports);
  }
  return { Module, Instance };
}
