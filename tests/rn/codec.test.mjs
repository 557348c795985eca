// The private UTF-8 codec the React Native entry uses where the host has none (Hermes)
// against Node's TextEncoder/TextDecoder: the same bytes for every string, the same
// strings for every byte sequence, malformed ones included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../e2e/support.mjs";

const source = readFileSync(join(ROOT, "js/react-native/runtime.js"), "utf8");
const { VssTextEncoder, VssTextDecoder, vssTextCodec } = new Function(`${source}; return { VssTextEncoder, VssTextDecoder, vssTextCodec };`)();

let seed = 0x2545f491;
const rand = (n) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const POOL = [0x00, 0x41, 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x4e2d, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfeff, 0xfffd, 0xffff];

test("encode and encodeInto match the host's, lone surrogates included", () => {
  const mine = new VssTextEncoder();
  const host = new TextEncoder();
  for (let i = 0; i < 3_000; i++) {
    let s = "";
    const len = rand(12);
    for (let j = 0; j < len; j++) s += String.fromCharCode(rand(3) === 0 ? POOL[rand(POOL.length)] : rand(0x10000));
    if (rand(4) === 0) s += "😀";
    assert.deepEqual(mine.encode(s), host.encode(s), JSON.stringify(s));
    const cap = rand(20);
    const a = new Uint8Array(cap);
    const b = new Uint8Array(cap);
    assert.deepEqual(mine.encodeInto(s, a), host.encodeInto(s, b), `encodeInto ${JSON.stringify(s)} into ${cap}`);
    assert.deepEqual(a, b);
  }
});

test("decode matches the host's on valid and malformed UTF-8", () => {
  const mine = new VssTextDecoder("utf-8", { ignoreBOM: true });
  const host = new TextDecoder("utf-8", { ignoreBOM: true });
  const edges = [0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90, 0x8f];
  for (let i = 0; i < 5_000; i++) {
    const bytes = new Uint8Array(rand(10));
    for (let j = 0; j < bytes.length; j++) bytes[j] = rand(2) ? edges[rand(edges.length)] : rand(256);
    assert.equal(mine.decode(bytes), host.decode(bytes), `[${[...bytes]}]`);
  }
  const long = new TextEncoder().encode("長い😀".repeat(5_000));
  assert.equal(mine.decode(long), host.decode(long), "long input (chunked)");
  assert.equal(new VssTextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "A", "BOM dropped unless ignoreBOM");
  assert.throws(() => new VssTextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])), TypeError);
  assert.throws(() => new VssTextDecoder("latin1"), RangeError);
});

test("the host's codecs are used when it has both, the private ones otherwise", () => {
  assert.equal(vssTextCodec(globalThis).TextEncoder, TextEncoder);
  assert.equal(vssTextCodec({ TextEncoder }).TextEncoder, VssTextEncoder, "half a host codec is not used");
  assert.equal(vssTextCodec({}).TextDecoder, VssTextDecoder);
});
