// The crash trials: a workload page runs for a random time, then dies (page closed
// without beforeunload, renderer crashed through CDP `Page.crash`, or the whole browser
// SIGKILLed) or is reloaded; a fresh page on the same origin and profile then recovers
// the stored ops and delivers them. One multi-tab trial runs four pages at once (two
// users, two tabs each, sharing one origin) and kills them all. Then `checkBackend`.
//
// Invariants: every random choice comes from one seeded PRNG (the seed is printed,
// `VSS_CRASH_SEED` replays the choices; timing inside the browser still varies);
// every page and process this starts is closed in `finally`.

import { checkBackend } from "./check.mjs";
import { openWorkload, prng, startBrowser, startCrashServer, waitState } from "./harness.mjs";

const SINGLE_USERS = ["crash-a", "crash-b", "crash-c"];
const TAB_USERS = ["tabs-x", "tabs-x", "tabs-y", "tabs-y"];
const prefixOf = (user) => `vss:${user}:`;
const DEBOUNCES = [0, 20, 250, 2_000, 60_000];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Which death a trial ends in, by weight. */
export const ACTIONS = [
  ["close", 0.35],
  ["crash", 0.3],
  ["reload", 0.25],
  ["browserKill", 0.1],
];

function pick(rand, weighted) {
  let x = rand() * weighted.reduce((n, [, w]) => n + w, 0);
  for (const [v, w] of weighted) {
    if ((x -= w) < 0) return v;
  }
  return weighted[weighted.length - 1][0];
}

/** Renderer crash via CDP; resolves once Playwright saw the page crash. */
async function crashPage(context, page) {
  const crashed = new Promise((r) => page.once("crash", r));
  const cdp = await context.newCDPSession(page);
  cdp.send("Page.crash").catch(() => {});
  await Promise.race([crashed, sleep(5_000)]);
  await page.close({ runBeforeUnload: false }).catch(() => {});
}

/**
 * Runs `trials` single-page trials and (if `tabs`) the four-tab trial; returns
 * `{ seed, counts, problems, journal, sessions, elapsedMs }`. `actions` weighs the
 * deaths; `pageQuery` overrides the workload page's query (the negative control).
 */
export async function runCrashSuite({ trials, seed, tabs = true, actions = ACTIONS, pageQuery = {}, log = () => {} }) {
  const started = Date.now();
  const rand = prng(seed);
  const journal = [];
  const browserKilledAt = new Map();
  const counts = { trials: 0, close: 0, crash: 0, reload: 0, browserKill: 0, tabsKilled: 0, recoveredFromStorage: 0 };
  const server = await startCrashServer();
  const browser = await startBrowser();
  const open = (query) => openWorkload(browser.context(), server.url, query, journal);
  const recover = async (user, tag) => {
    const page = await open({ user, prefix: prefixOf(user), mode: "recover", seed: 0, tag });
    await waitState(page, "done", 40_000);
    await page.close();
    const ready = journal.find((l) => l.t === "ready" && l.tag.startsWith(`${tag}.`));
    counts.recoveredFromStorage += ready ? ready.pending : 0;
  };
  try {
    for (let i = 0; i < trials; i++) {
      const user = SINGLE_USERS[i % SINGLE_USERS.length];
      // The first trials go through every action once, so a short run covers them all.
      const action = i < actions.length ? actions[i][0] : pick(rand, actions);
      const runMs = 100 + Math.floor(rand() * 2_000);
      // Long debounces keep ops pending until the death, so the fresh page must find
      // them in storage; short ones put the death in the middle of deliveries.
      const debounce = DEBOUNCES[Math.floor(rand() * DEBOUNCES.length)];
      const query = { user, prefix: prefixOf(user), mode: "run", seed: Math.floor(rand() * 2 ** 31), debounce, continue: "1", ...pageQuery };
      log(`trial ${i}: ${user} runs ${runMs} ms (debounce ${debounce}) then ${action}`);
      const tag = `t${i}`;
      const page = await open({ ...query, tag });
      await sleep(runMs);
      if (action === "close") {
        await page.close({ runBeforeUnload: false });
      } else if (action === "crash") {
        await crashPage(browser.context(), page);
      } else if (action === "browserKill") {
        const killedAt = Date.now();
        await browser.kill();
        browserKilledAt.set(tag, killedAt);
        await browser.restart();
      } else {
        await page.reload();
        await waitState(page, "ready");
        await sleep(Math.floor(rand() * 1_000));
        await page.evaluate(() => window.stopWorkload());
        await page.close();
      }
      counts[action]++;
      counts.trials++;
      await recover(user, `r${i}`);
    }
    if (tabs) {
      const runMs = 500 + Math.floor(rand() * 2_000);
      log(`tabs trial: 4 pages (${TAB_USERS.join(", ")}) run ${runMs} ms, then all are closed at once`);
      const pages = await Promise.all(
        TAB_USERS.map((user, k) =>
          open({
            user,
            prefix: prefixOf(user),
            mode: "run",
            seed: Math.floor(rand() * 2 ** 31),
            debounce: DEBOUNCES[Math.floor(rand() * DEBOUNCES.length)],
            continue: "0", // two tabs of one user must not both finish one session
            tag: `tab${k}`,
          })),
      );
      await sleep(runMs);
      await Promise.all(pages.map((p) => p.close({ runBeforeUnload: false })));
      counts.tabsKilled = pages.length;
      counts.trials++;
      for (const user of new Set(TAB_USERS)) await recover(user, `rtabs-${user}`);
    }
    const users = [...SINGLE_USERS, ...(tabs ? new Set(TAB_USERS) : [])];
    const { problems, counts: checked, backend } = await checkBackend(server.url, users, journal, (t) =>
      browserKilledAt.get(t.split(".")[0]));
    return { seed, counts: { ...counts, ...checked }, problems, journal, sessions: backend, elapsedMs: Date.now() - started };
  } finally {
    // The server is stopped even when closing the browser fails, or the test process
    // would wait on it for ever.
    try {
      await browser.close();
    } finally {
      await server.stop();
    }
  }
}

/** The seed: `VSS_CRASH_SEED` when set (replay), else a fresh one. */
export function crashSeed() {
  const env = process.env.VSS_CRASH_SEED;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0) throw new Error(`VSS_CRASH_SEED must be a non-negative integer, got "${env}"`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** The counts a run reports, one `name value` pair each. */
export function summary(r) {
  const c = r.counts;
  return [
    `seed ${r.seed} (replay: VSS_CRASH_SEED=${r.seed})`,
    `trials ${c.trials}`,
    `kills ${c.close + c.crash + c.browserKill + c.tabsKilled} (page close ${c.close}, renderer crash ${c.crash}, browser SIGKILL ${c.browserKill}, tabs closed at once ${c.tabsKilled})`,
    `reloads ${c.reload}`,
    `ops a fresh page found pending in storage and delivered ${c.recoveredFromStorage}`,
    `calls journaled ${c.journaled}`,
    `ops on backend ${c.backendOps} in ${c.sessions} sessions (${c.unjournaled} not journaled: page died between resolve and journal)`,
    `resolved ops lost with a browser SIGKILL ${c.lostOnBrowserKill}` +
      (c.lostOnBrowserKill ? ` (the oldest resolved ${c.lostMaxAgeMs} ms before the kill)` : ""),
    `resolved ops missing otherwise ${c.missing}`,
    `duplicates found ${c.duplicates}`,
    `problems ${r.problems.length}`,
    `elapsed ${(r.elapsedMs / 1000).toFixed(1)} s`,
  ].join("\n");
}
