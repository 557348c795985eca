// The analytics queries (issue #13 item 5) against history size, alone: each of the
// five on a release local backend holding 10 sessions of history and on one holding
// 10,000, p50 of each and their ratio (goal ≤ 1.5: the queries read aggregate rows,
// never the sessions). Run `node bench/analytics.mjs` after
// `cargo build --release -p video-session-server`; it needs neither pkg/ nor a
// browser. Prints the table (stdout) and one JSON line with the load average before
// and after (stderr). A missed goal is printed as NO, not an error.

import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { printTable } from "./stats.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
process.env.VSS_SERVER_BIN ||= join(ROOT, "target/release/video-session-server");
// Imported after VSS_SERVER_BIN is set: tests/e2e/server.mjs reads it at load.
const { analyticsBench, analyticsRows } = await import("./backend.mjs");

const loadavgAtStart = loadavg();
const startedAt = new Date().toISOString();
const analytics = await analyticsBench();
printTable(analyticsRows(analytics));
console.error(
  `bench: ${JSON.stringify({ startedAt, finishedAt: new Date().toISOString(), loadavgAtStart, loadavgAtEnd: loadavg(), analytics })}`,
);
