// The stats dashboard: the getCallStats cards, then the analytics — call volume and
// the duration trend over a chosen period (js/trends.js), peak hours and quality
// issues by hour (js/hours.js), and the support-worker leaderboard
// (js/leaderboard.js). Each part refreshes on its own, so one failing read (offline
// with no earlier answer) leaves the others drawn.
import { $, clear, h } from "./dom.js";
import * as fmt from "./format.js";
import { toPlain } from "./data.js";
import { icon } from "./icons.js";
import { describe } from "./toast.js";
import { setupTrends } from "./trends.js";
import { setupHours } from "./hours.js";
import { setupLeaderboard } from "./leaderboard.js";

const CARDS = [
  { key: "totalSessions", label: "Total calls", icon: "heart", show: fmt.number },
  { key: "completedSessions", label: "Completed", icon: "check", show: fmt.number },
  { key: "failedSessions", label: "Failed", icon: "alert", show: fmt.number },
  { key: "totalDuration", label: "Total time", icon: "clock", show: fmt.duration },
  { key: "averageDuration", label: "Average length", icon: "clock", show: fmt.duration },
  { key: "totalQualityIssues", label: "Quality issues", icon: "bolt", show: fmt.number },
  { key: "totalReconnects", label: "Reconnects", icon: "wifiOff", show: fmt.number },
  { key: "averageRating", label: "Average rating", icon: "star", show: (r) => (r === null ? "—" : `${r.toFixed(1)} / 5`) },
];

function statCard(card, stats) {
  const value = stats?.[card.key];
  return h(
    "div",
    { class: `card stat ${card.key}`, testid: `stat-${card.key}`, dataset: { value: String(value ?? "") } },
    h("span", { class: "stat-icon" }, icon(card.icon, 18)),
    h("span", { class: "stat-label", text: card.label }),
    h("span", { class: "stat-value", text: value === undefined ? "—" : card.show(value) }),
  );
}

export function setupDashboard(app) {
  const grid = $("#stat-grid");
  const note = $("#dashboard-note");
  const parts = [setupTrends(app), setupHours(app), setupLeaderboard(app)];

  async function refreshCards() {
    const client = app.conn.client;
    if (!client) return;
    const stats = toPlain(await client.getCallStats());
    clear(grid).append(...CARDS.map((c) => statCard(c, stats)));
    note.textContent = `Your calls as ${app.conn.userId}`;
  }

  async function refresh() {
    const results = await Promise.allSettled([refreshCards(), ...parts.map((p) => p.refresh())]);
    const failed = results.find((r) => r.status === "rejected");
    if (failed && app.conn.client) app.queue.add("error", `dashboard: ${describe(failed.reason)}`);
  }

  clear(grid).append(...CARDS.map((c) => statCard(c, undefined)));
  return { refresh };
}
