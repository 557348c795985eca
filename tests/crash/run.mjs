// The long crash run (scripts/crash-run.sh): the same trials as crash.test.mjs, more of
// them, printing the counts. Exits 1 if any check failed (problems are listed).
// Usage: node tests/crash/run.mjs [trials]   (env VSS_CRASH_SEED replays a run)

import { crashSeed, runCrashSuite, summary } from "./trials.mjs";

const trials = Number(process.argv[2] || process.env.VSS_CRASH_TRIALS || 100);
if (!Number.isInteger(trials) || trials < 4) {
  console.error(`trials must be an integer >= 4 (one of each death first), got "${process.argv[2]}"`);
  process.exit(2);
}
const seed = crashSeed();
console.log(`crash run: ${trials} trials + the four-tab trial, seed ${seed} (replay with VSS_CRASH_SEED=${seed})`);
const r = await runCrashSuite({
  trials,
  seed,
  log: (line) => {
    if (/^trial \d*0:|^tabs/.test(line)) console.log(line);
  },
});
console.log(summary(r));
if (r.problems.length) {
  console.log(`FAILED: ${r.problems.length} problems`);
  for (const p of r.problems.slice(0, 50)) console.log(`  ${p}`);
  process.exit(1);
}
console.log(
  "OK: no op applied twice; every op resolved by a page that was closed, crashed or reloaded is on the backend" +
    (r.counts.lostOnBrowserKill
      ? `; ${r.counts.lostOnBrowserKill} resolved ops died with a browser SIGKILL (Chromium had not committed localStorage to disk yet)`
      : ""),
);
