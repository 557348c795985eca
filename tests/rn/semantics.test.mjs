// The React Native build computes what the wasm build computes. The probe
// (semantics-probe.mjs) runs once per build in its own process: the wasm, the RN
// entry with the host's TextEncoder, and the RN entry with WebAssembly, TextEncoder
// and TextDecoder deleted (Hermes' situation). Every outcome must be equal: boundary
// numbers into float->int casts, NaN and ±Infinity, serde_json's numbers, Unicode of
// every UTF-8 length and lone surrogates, and long strings that grow the wasm's memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../e2e/support.mjs";

const run = promisify(execFile);

async function probe(build) {
  const { stdout } = await run(process.execPath, [join(ROOT, "tests/rn/semantics-probe.mjs"), build], { maxBuffer: 64 << 20, timeout: 120_000 });
  return JSON.parse(stdout);
}

test("the RN entry gives the wasm build's results, with and without the host's codecs", { timeout: 300_000 }, async (t) => {
  const [wasm, rn, bare] = await Promise.all(["wasm", "rn", "rn-bare"].map(probe));
  assert.ok(wasm.grewMemory, `the long strings grew the wasm build's memory (${JSON.stringify(wasm.memory)})`);
  assert.ok(!rn.grewMemory && !bare.grewMemory, "the RN build's heap is fixed: it never grows");
  const keys = Object.keys(wasm.results);
  assert.ok(keys.length > 200, `the probe covered ${keys.length} cases`);
  for (const other of [rn, bare]) {
    for (const k of keys) assert.deepEqual(other.results[k], wasm.results[k], `${other.build}: ${k}`);
    assert.deepEqual(Object.keys(other.results), keys);
  }
  // The probe must reach both outcomes, or it proves little.
  const errors = keys.filter((k) => wasm.results[k]?.error).length;
  t.diagnostic(`${keys.length} cases, ${errors} refused; wasm memory ${wasm.memory.start} -> ${wasm.memory.end} B, RN heap fixed at ${rn.memory.end} B`);
  assert.ok(errors > 50 && keys.length - errors > 50, "both accepted and refused inputs are compared");
  assert.equal(wasm.results["long strings"].sessions, 60);
});
