// useVideoSession on the React Native entry without WebAssembly, rendered by
// react-test-renderer with no DOM (see hook-probe.mjs):
// the seed's flow through the hook, its state, and an error as state, not a throw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../e2e/support.mjs";

const run = promisify(execFile);

test("useVideoSession drives the RN entry (react-test-renderer, no DOM): start, connected, issue, end, pending, errors", { timeout: 60_000 }, async () => {
  const { stdout } = await run(process.execPath, [join(ROOT, "tests/rn/hook-probe.mjs")], { timeout: 60_000 });
  const o = JSON.parse(stdout);
  assert.equal(o.idMatches, true, "startSession resolves to the id the hook then holds");
  assert.deepEqual(o.ended, { sameId: true, hasDuration: true });
  assert.equal(o.sessionIdAfterEnd, null);
  assert.equal(o.pendingCount, 4, "the hook reports the ops waiting offline");
  assert.equal(o.error, null);
  assert.equal(o.errorCode, "NOT_FOUND", "a failing call sets error with its code instead of throwing");
  assert.equal(o.stored, 4, "every op is in the AsyncStorage-shaped adapter");
});
