// The stats dashboard: getCallStats cards, calls-per-day and call-length charts drawn
// from the user's recent sessions, and the support-worker table from a direct Convex
// HTTP query (all users' workers; the SDK has no call for it).
import { $, clear, h } from "./dom.js";
import * as fmt from "./format.js";
import { barChart } from "./charts.js";
import { toPlain } from "./data.js";
import { icon } from "./icons.js";

const DAYS = 14;
const HISTORY_FOR_CHARTS = 200;

/** Call-length bins (seconds, upper bound exclusive). */
const BINS = [
  { label: "<30s", max: 30 },
  { label: "30s–1m", max: 60 },
  { label: "1–5m", max: 300 },
  { label: "5–15m", max: 900 },
  { label: "15–30m", max: 1800 },
  { label: "30–60m", max: 3600 },
  { label: "1h+", max: Infinity },
];

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

function callsPerDay(sessions) {
  const today = new Date();
  const days = [];
  for (let i = DAYS - 1; i >= 0; i--) {
    const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() - i);
    days.push({ key: fmt.dayKey(d), label: fmt.shortDay(d), value: 0 });
  }
  const index = new Map(days.map((d) => [d.key, d]));
  for (const s of sessions) {
    const day = index.get(fmt.dayKey(new Date(s.joinedAt)));
    if (day) day.value += 1;
  }
  return days.map((d) => ({ ...d, title: `${d.label}: ${d.value} call${d.value === 1 ? "" : "s"}` }));
}

function durationBins(sessions) {
  const bins = BINS.map((b) => ({ label: b.label, value: 0 }));
  for (const s of sessions) {
    if (typeof s.duration !== "number") continue;
    bins[BINS.findIndex((b) => s.duration < b.max)].value += 1;
  }
  return bins.map((b) => ({ ...b, title: `${b.label}: ${b.value} call${b.value === 1 ? "" : "s"}` }));
}

function summary(title, bars) {
  return `${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(", ")}`;
}

function workerRow(w) {
  const rate = w.failureRate || 0;
  return h(
    "tr",
    { testid: "worker-row", dataset: { workerId: w.supportWorkerId, total: String(w.totalSessions), completed: String(w.completedSessions) } },
    h(
      "td",
      {},
      h("span", { class: "strong", text: w.supportWorkerName }),
      h("span", { class: "muted small block", text: w.supportWorkerId }),
    ),
    h("td", { class: "num", text: fmt.number(w.totalSessions) }),
    h("td", { class: "num", text: fmt.number(w.completedSessions) }),
    h("td", { class: "num", text: fmt.duration(w.averageDuration) }),
    h("td", { class: "num", text: fmt.number(w.totalQualityIssues) }),
    h(
      "td",
      {},
      h(
        "span",
        { class: "rate" },
        h("span", { class: "rate-bar", "aria-hidden": "true" }, h("span", { style: `width:${Math.round(rate * 100)}%` })),
        h("span", { class: "rate-text", text: fmt.percent(rate) }),
      ),
    ),
  );
}

export function setupDashboard(app) {
  const grid = $("#stat-grid");
  const note = $("#dashboard-note");
  const workerBody = $("#worker-body");
  const workerEmpty = $("#worker-empty");

  async function refreshUser() {
    const client = app.conn.client;
    if (!client) return;
    const stats = toPlain(await client.getCallStats());
    clear(grid).append(...CARDS.map((c) => statCard(c, stats)));
    const sessions = toPlain(await client.getUserSessions({ limit: HISTORY_FOR_CHARTS })) || [];
    const perDay = callsPerDay(sessions);
    barChart($("#chart-calls"), perDay, {
      ariaLabel: summary("Calls per day", perDay),
      color: "var(--primary)",
      labelEvery: 2,
      testid: "chart-calls-svg",
      emptyText: "No calls in the last 14 days",
    });
    const bins = durationBins(sessions);
    barChart($("#chart-durations"), bins, {
      ariaLabel: summary("Completed calls by length", bins),
      color: "var(--accent)",
      testid: "chart-durations-svg",
      emptyText: "No completed calls yet",
    });
    note.textContent = `Your calls as ${app.conn.userId}`;
  }

  async function refreshWorkers() {
    if (!app.conn.online) {
      workerEmpty.hidden = false;
      workerEmpty.textContent = workerBody.children.length
        ? "Network is off — showing the last known figures."
        : "Network is off — worker figures come straight from the backend.";
      return;
    }
    try {
      const workers = toPlain(await app.conn.query("videoCallSessions:getSupportWorkerStats", {})) || [];
      clear(workerBody).append(...workers.map(workerRow));
      workerEmpty.hidden = workers.length > 0;
      workerEmpty.textContent = "No support-worker calls yet.";
    } catch (err) {
      workerEmpty.hidden = false;
      workerEmpty.textContent = `Could not load worker figures: ${err.message}`;
    }
  }

  async function refresh() {
    await Promise.all([refreshUser(), refreshWorkers()]);
  }

  clear(grid).append(...CARDS.map((c) => statCard(c, undefined)));
  return { refresh };
}
