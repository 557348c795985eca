// The support-worker leaderboard (getSupportWorkerLeaderboard, all users' workers,
// most calls first): calls, completion rate, mean length, mean rating, issues per
// call and the network quality of their calls (mean round trip and packet loss, with
// the live feed's good / fair / poor thresholds). Offline the SDK answers with the
// last answer it had, else NETWORK; the table then keeps the last figures it showed.
import { $, clear, h } from "./dom.js";
import * as fmt from "./format.js";
import { toPlain } from "./data.js";
import { describe } from "./toast.js";

const LIMIT = 10;

/** The live feed's thresholds (js/netfeed.js) on a worker's mean RTT and loss. */
function quality(rtt, loss) {
  if (rtt === null && loss === null) return null;
  if (rtt > 300 || loss > 5) return "poor";
  if (rtt > 150 || loss > 1) return "fair";
  return "good";
}

const num = (value, text) => h("td", { class: "num", dataset: { value: value === null ? "null" : String(value) }, text });

function row(w) {
  const q = quality(w.averageRttMs, w.averagePacketLossPct);
  const net = q
    ? `${w.averageRttMs === null ? "–" : `${Math.round(w.averageRttMs)} ms`} · ${w.averagePacketLossPct === null ? "–" : `${w.averagePacketLossPct} % loss`}`
    : "no samples";
  return h(
    "tr",
    {
      testid: "worker-row",
      dataset: { workerId: w.supportWorkerId, total: String(w.totalSessions), completed: String(w.completedSessions) },
    },
    h(
      "th",
      { scope: "row" },
      h("span", { class: "strong block", text: w.supportWorkerName }),
      h("span", { class: "muted small block", text: w.supportWorkerId }),
    ),
    num(w.totalSessions, fmt.number(w.totalSessions)),
    h(
      "td",
      { dataset: { value: String(w.completionRate) } },
      h(
        "span",
        { class: "rate" },
        h("span", { class: "rate-bar ok", "aria-hidden": "true" }, h("span", { style: `width:${Math.round(w.completionRate * 100)}%` })),
        h("span", { class: "rate-text", text: fmt.percent(w.completionRate) }),
      ),
    ),
    num(w.averageDuration, fmt.duration(w.averageDuration)),
    num(w.averageRating, w.averageRating === null ? "—" : `${w.averageRating.toFixed(1)} / 5 (${w.ratedSessions})`),
    num(w.issuesPerCall, w.issuesPerCall.toFixed(2)),
    h(
      "td",
      { dataset: { rtt: String(w.averageRttMs), loss: String(w.averagePacketLossPct), quality: q ?? "none" } },
      q ? h("span", { class: `badge q-${q}`, text: q }) : null,
      h("span", { class: "muted small block", text: net }),
    ),
  );
}

export function setupLeaderboard(app) {
  const body = $("#worker-body");
  const empty = $("#worker-empty");

  async function refresh() {
    const client = app.conn.client;
    if (!client) return;
    try {
      const workers = toPlain(await client.getSupportWorkerLeaderboard({ limit: LIMIT })) || [];
      clear(body).append(...workers.map(row));
      empty.hidden = workers.length > 0;
      empty.textContent = "No support-worker calls yet.";
    } catch (err) {
      empty.hidden = false;
      empty.textContent = body.children.length
        ? `Showing the last known figures (${describe(err)}).`
        : `Could not load the leaderboard: ${describe(err)}`;
    }
  }

  return { refresh };
}
