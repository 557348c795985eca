// The hour-of-day charts: peak hours (getPeakHours: calls per local weekday × hour, a
// Chart.js matrix heat map, Monday on top) and quality issues by hour (getIssuesByHour:
// 24 bars, all weekdays summed). Hours are the caller's local hours at event time, as
// the SDK sent them (utcOffsetMin), not the viewer's.
import { $ } from "./dom.js";
import * as fmt from "./format.js";
import { toPlain } from "./data.js";
import { draw, token } from "./chartlib.js";
import { dataTable } from "./datatable.js";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, "0"));
const span = (h) => `${HOURS[h]}:00–${HOURS[(h + 1) % 24]}:00`;

/** Teal with an opacity growing with the count; a faint grey for zero. */
function heat(value, max) {
  if (!value) return "#eef2f6";
  const alpha = 0.25 + 0.75 * (value / Math.max(1, max));
  return `rgba(13, 127, 134, ${alpha.toFixed(3)})`;
}

function peakSummary(grid) {
  const total = grid.flat().reduce((a, b) => a + b, 0);
  if (!total) return "Peak hours: no calls yet. Figures in the data table below.";
  let best = { d: 0, h: 0, v: -1 };
  grid.forEach((row, d) => row.forEach((v, h) => { if (v > best.v) best = { d, h, v }; }));
  return `Peak hours: ${fmt.number(total)} calls; busiest ${WEEKDAYS[best.d]} ${span(best.h)} with ${best.v}. Figures in the data table below.`;
}

function peakChart(grid) {
  const max = Math.max(0, ...grid.flat());
  const data = grid.flatMap((row, d) => row.map((v, h) => ({ x: HOURS[h], y: WEEKDAYS[d].slice(0, 3), v })));
  return {
    type: "matrix",
    data: {
      datasets: [{
        label: "Calls",
        data,
        backgroundColor: (c) => heat(c.raw?.v, max),
        borderColor: "#ffffff",
        borderWidth: 1,
        width: ({ chart }) => (chart.chartArea || {}).width / 24 - 1,
        height: ({ chart }) => (chart.chartArea || {}).height / 7 - 1,
      }],
    },
    options: {
      scales: {
        x: { type: "category", labels: HOURS, offset: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
        // A vertical category axis runs bottom-up: Sunday first puts Monday on top.
        y: { type: "category", labels: WEEKDAYS.map((d) => d.slice(0, 3)).reverse(), offset: true, grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: () => "",
            label: (c) => `${c.raw.y} ${c.raw.x}:00: ${c.raw.v} call${c.raw.v === 1 ? "" : "s"}`,
          },
        },
      },
    },
  };
}

function issuesSummary(hours) {
  const total = hours.reduce((a, b) => a + b, 0);
  if (!total) return "Quality issues by hour: none reported yet. Figures in the data table below.";
  const worst = hours.indexOf(Math.max(...hours));
  return `Quality issues by hour: ${fmt.number(total)} in all; most at ${span(worst)} (${hours[worst]}). Figures in the data table below.`;
}

function issuesChart(hours) {
  return {
    type: "bar",
    data: {
      labels: HOURS,
      datasets: [{ label: "Quality issues", data: hours, backgroundColor: token("--warn"), borderRadius: 3 }],
    },
    options: {
      scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: false }, tooltip: { callbacks: { title: (items) => span(items[0].dataIndex) } } },
    },
  };
}

export function setupHours(app) {
  const peak = $("#fig-peak");
  const issues = $("#fig-issues");

  async function refresh() {
    const client = app.conn.client;
    if (!client) return;
    const [grid, hours] = toPlain(await Promise.all([client.getPeakHours(), client.getIssuesByHour()]));
    dataTable(peak.querySelector('[data-role="table"]'), {
      testid: "peak-table",
      caption: "Calls started by local weekday (rows) and hour (columns)",
      columns: ["Weekday", ...HOURS],
      rows: grid.map((row, d) => ({ key: String(d), head: WEEKDAYS[d], cells: row.map((v) => ({ value: v, text: String(v) })) })),
    });
    dataTable(issues.querySelector('[data-role="table"]'), {
      testid: "issues-table",
      caption: "Quality issues reported by local hour",
      columns: ["Hour", "Issues"],
      rows: hours.map((v, h) => ({ key: String(h), head: span(h), cells: [{ value: v, text: fmt.number(v) }] })),
    });
    await draw(peak.querySelector("canvas"), peakChart(grid), peakSummary(grid));
    await draw(issues.querySelector("canvas"), issuesChart(hours), issuesSummary(hours));
  }

  return { refresh };
}
