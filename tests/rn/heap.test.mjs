// The React Native entry's fixed heap running out (see heap-probe.mjs), in Node with
// WebAssembly deleted: a coded error on the call that hit it, CLOSED afterwards, and
// the stored ops recovered by a fresh core over the same storage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../e2e/support.mjs";

const run = promisify(execFile);

test("RN entry: out of heap is OUT_OF_MEMORY, then CLOSED; stored ops survive for the next launch", { timeout: 120_000 }, async () => {
  const { stdout } = await run(process.execPath, [join(ROOT, "tests/rn/heap-probe.mjs")], { timeout: 120_000, maxBuffer: 1 << 20 });
  const o = JSON.parse(stdout);
  assert.equal(o.pendingBefore, 2);
  assert.equal(o.hit?.code, "OUT_OF_MEMORY", `the call that exhausted the heap: ${JSON.stringify(o.hit)}`);
  assert.equal(o.hit.name, "VideoSessionError");
  assert.equal(o.afterAsync?.code, "CLOSED", "a later async call rejects CLOSED");
  assert.equal(o.afterSync?.code, "CLOSED", "a later sync call throws CLOSED");
  assert.equal(o.closeThrows, null, "close() still succeeds");
  assert.equal(o.createAfter?.code, "CLOSED", "no new client on a stopped core");
  assert.equal(o.storageKept, true);
  assert.equal(o.pendingRecovered, 2, "a fresh core over the same storage recovers the stored ops");
});
