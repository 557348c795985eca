// React Native platform glue of the RN entry (see platform-probe.mjs), in Node with
// WebAssembly deleted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../e2e/support.mjs";

const run = promisify(execFile);

test("RN entry: storage is required, AppState background/active deliver, close() unsubscribes", { timeout: 60_000 }, async () => {
  const { stdout } = await run(process.execPath, [join(ROOT, "tests/rn/platform-probe.mjs")], { timeout: 60_000 });
  const o = JSON.parse(stdout);
  assert.equal(o.noStorage?.code, "STORAGE", "no storage on React Native is an error, not a silent memory queue");
  assert.equal(o.noStorage.name, "VideoSessionError");
  assert.match(o.noStorage.message, /AsyncStorage/);
  assert.equal(o.badAppState?.code, "INVALID_ARGUMENT");
  assert.deepEqual(o.listeners, ["change"]);
  assert.equal(o.requestsWithoutTrigger, o.requestsBeforeBackground, "Retry-After holds delivery without a trigger");
  assert.ok(o.requestsAfterBackground > o.requestsWithoutTrigger, "background delivered at once");
  assert.ok(o.requestsAfterActive > o.requestsAfterBackground, "active delivered what waited");
  assert.equal(o.removed, 1, "close() removed the AppState listener");
  assert.equal(o.requestsAfterClose, o.requestsAfterActive, "no delivery after close()");
  assert.equal(o.pending, 1, "the op stays stored for the next instance");
});

test("RN entry: NetInfo online delivers at once, offline is reported once, close() unsubscribes", { timeout: 60_000 }, async () => {
  const { stdout } = await run(process.execPath, [join(ROOT, "tests/rn/platform-probe.mjs")], { timeout: 60_000 });
  const o = JSON.parse(stdout);
  assert.equal(o.badNetInfo?.code, "INVALID_ARGUMENT");
  assert.equal(o.netListeners, 1);
  assert.equal(o.netOnlineWhenOffline, false, "NetInfo offline makes isOnline() false before any delivery fails");
  assert.equal(o.requestsWhileOffline, 0, "going offline sends nothing");
  assert.ok(o.requestsAfterOnline > 0, "going online delivered at once despite Retry-After");
  assert.deepEqual(o.netEvents, ["offline", "online"], "offline reported once, online again when NetInfo and the core agree");
  assert.equal(o.netUnsubscribed, 1, "close() unsubscribed from NetInfo");
  assert.equal(o.netListenersAfterClose, 0);
});
