// What the crash test asserts once every page is dead or done: the backend (read over
// plain HTTP, all pages of getUserSessionsPage, and getCallStats) against the journal
// the pages wrote.
//
// Rules (each breach is one line in `problems`):
// - every `ok` op (its call resolved) is on the backend (see `checkBackend` for pages
//   killed together with the browser): the session exists, is connected/ended/failed
//   as journaled (an end at the journaled `endedAt`), holds the journaled issue text;
// - nothing is applied twice: no clientSessionId twice, no issue text twice;
// - more on the backend than journaled is fine (a page may die between the call
//   resolving and its journal line reaching the driver: `unjournaled` counts those),
//   but every issue text must come from a page of that user;
// - stats equal what the sessions show; an ended, connected session's duration is
//   floor((endedAt - connectedAt) / 1000) and equals the duration the SDK resolved with;
//   a session that never connected, or failed, has none;
// - no page reported an SDK rejection, a dropped (dead-lettered) op, or a page error,
//   and every recovering page drained to zero pending ops.

import { query } from "../e2e/support.mjs";

/** All of a user's sessions, newest first, via getUserSessionsPage (no 200 cap). */
export async function allSessions(url, userId) {
  const out = [];
  let cursor = null;
  for (;;) {
    const page = await query(url, "videoCallSessions:getUserSessionsPage", {
      userId,
      paginationOpts: { numItems: 200, cursor },
    });
    out.push(...page.page);
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

const BAD_LINES = new Set(["error", "dropped", "pageerror", "fatal", "loopError"]);

/**
 * Checks `users`' backend state against `journal`; returns `{ problems, counts, backend }`.
 * `browserKilledAt(tag)` is when a page died with its whole browser (else undefined):
 * its resolved ops that are missing are counted in `lostOnBrowserKill`, and the oldest
 * one's age at the kill in `lostMaxAgeMs`, instead of being problems (Chromium
 * keeps localStorage writes in the browser process and commits them to disk seconds
 * later, so a SIGKILL of the browser loses the newest ones). Duplicates, stats and
 * durations are checked the same for every page.
 */
export async function checkBackend(url, users, journal, browserKilledAt = () => undefined) {
  const problems = [];
  const backend = {};
  const counts = { journaled: 0, backendOps: 0, sessions: 0, duplicates: 0, missing: 0, unjournaled: 0, lostOnBrowserKill: 0, lostMaxAgeMs: 0 };
  for (const line of journal) {
    if (BAD_LINES.has(line.t)) problems.push(`journal: ${JSON.stringify(line)}`);
    if (line.t === "drained" && (line.pending !== 0 || line.dead.length !== 0)) {
      problems.push(`a page did not drain: ${JSON.stringify(line)}`);
    }
  }
  for (const user of users) {
    const lines = journal.filter((l) => l.user === user);
    const oks = lines.filter((l) => l.t === "ok");
    counts.journaled += oks.length;
    const sessions = await allSessions(url, user);
    const stats = await query(url, "videoCallSessions:getCallStats", { userId: user });
    backend[user] = sessions;
    counts.sessions += sessions.length;

    const byCsid = new Map();
    const issueSeen = new Set();
    for (const s of sessions) {
      if (byCsid.has(s.clientSessionId)) {
        counts.duplicates++;
        problems.push(`${user}: session ${s.clientSessionId} is on the backend twice`);
      }
      byCsid.set(s.clientSessionId, s);
      for (const issue of s.qualityIssues ?? []) {
        if (issueSeen.has(issue)) {
          counts.duplicates++;
          problems.push(`${user}: issue "${issue}" applied twice`);
        }
        issueSeen.add(issue);
      }
      counts.backendOps += 1 + (s.connectedAt ? 1 : 0) + (s.qualityIssues?.length ?? 0) +
        (s.sessionStatus === "ended" || s.sessionStatus === "failed" ? 1 : 0);
      checkDuration(user, s, problems);
    }

    for (const ok of oks) {
      const s = byCsid.get(ok.csid);
      const missing = (what) => {
        const killedAt = browserKilledAt(ok.tag);
        if (killedAt !== undefined) {
          counts.lostOnBrowserKill++;
          counts.lostMaxAgeMs = Math.max(counts.lostMaxAgeMs, killedAt - ok.at);
          return;
        }
        counts.missing++;
        problems.push(`${user}: resolved ${ok.kind} (op ${ok.opId}) of ${ok.csid} ${what}`);
      };
      if (!ok.opId) problems.push(`${user}: resolved ${ok.kind} of ${ok.csid} raised no queued event`);
      if (!s) {
        missing("has no session on the backend");
        continue;
      }
      if (ok.kind === "markConnected" && !s.connectedAt) missing(`is not applied (${s.sessionStatus})`);
      if (ok.kind === "reportQualityIssue" && !(s.qualityIssues ?? []).includes(ok.issue)) {
        missing(`is not applied ("${ok.issue}" absent)`);
      }
      if (ok.kind === "endSession") {
        if (s.sessionStatus !== "ended") missing(`is not applied (${s.sessionStatus})`);
        // Another page ended it later: this end op never reached the backend.
        else if (s.endedAt !== ok.endedAt) missing(`is not applied (ended at ${s.endedAt}, not ${ok.endedAt})`);
        else if ((ok.duration ?? undefined) !== s.duration) {
          problems.push(`${user}: ${ok.csid} resolved with duration ${ok.duration}, backend has ${s.duration}`);
        }
      }
      if (ok.kind === "markFailed" && s.sessionStatus !== "failed") missing(`is not applied (${s.sessionStatus})`);
    }

    // Console lines still in flight when a page dies are lost, so a backend op may
    // lack its journal lines; it must still come from one of this user's pages.
    const okKeys = new Set(oks.map(okKey));
    const tags = new Set(lines.map((l) => l.tag));
    for (const s of sessions) {
      for (const key of opKeys(s)) if (!okKeys.has(key)) counts.unjournaled++;
      for (const issue of s.qualityIssues ?? []) {
        const tag = /^q (\S+) \d+$/.exec(issue)?.[1];
        if (!tags.has(tag)) problems.push(`${user}: issue "${issue}" on ${s.clientSessionId} comes from no page of ${user}`);
      }
    }

    const want = expectedStats(sessions);
    for (const [k, v] of Object.entries(want)) {
      if (stats[k] !== v) problems.push(`${user}: getCallStats.${k} = ${stats[k]}, the sessions show ${v}`);
    }
  }
  return { problems, counts, backend };
}

/** One key per op a backend session shows applied, matching `okKey` of its journal line. */
function opKeys(s) {
  const keys = [`startSession ${s.clientSessionId}`];
  if (s.connectedAt) keys.push(`markConnected ${s.clientSessionId}`);
  for (const issue of s.qualityIssues ?? []) keys.push(`reportQualityIssue ${s.clientSessionId} ${issue}`);
  if (s.sessionStatus === "ended") keys.push(`endSession ${s.clientSessionId}`);
  if (s.sessionStatus === "failed") keys.push(`markFailed ${s.clientSessionId}`);
  return keys;
}

const okKey = (ok) => (ok.kind === "reportQualityIssue" ? `${ok.kind} ${ok.csid} ${ok.issue}` : `${ok.kind} ${ok.csid}`);

function checkDuration(user, s, problems) {
  if (s.sessionStatus === "ended" && s.connectedAt) {
    const want = Math.floor((Date.parse(s.endedAt) - Date.parse(s.connectedAt)) / 1000);
    if (s.duration !== want) problems.push(`${user}: ${s.clientSessionId} duration ${s.duration}, want ${want}`);
  } else if (s.duration !== undefined) {
    problems.push(`${user}: ${s.clientSessionId} (${s.sessionStatus}, connected ${!!s.connectedAt}) has duration ${s.duration}`);
  }
}

function expectedStats(sessions) {
  const totalSessions = sessions.length;
  const totalDuration = sessions.reduce((n, s) => n + (s.duration ?? 0), 0);
  return {
    totalSessions,
    completedSessions: sessions.filter((s) => s.sessionStatus === "ended").length,
    failedSessions: sessions.filter((s) => s.sessionStatus === "failed").length,
    totalDuration,
    averageDuration: totalSessions ? Math.round(totalDuration / totalSessions) : 0,
    totalQualityIssues: sessions.reduce((n, s) => n + (s.qualityIssues?.length ?? 0), 0),
  };
}
