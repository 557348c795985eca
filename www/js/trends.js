// Call volume and the average-duration trend over the chosen period (js/period.js):
// getCallVolume and getDurationTrend with the same {granularity, from, to}, drawn by
// Chart.js (stacked bars: completed, failed, still open; a line of the mean length),
// each with its data table. A refused period (a range of more than 366 buckets, `to`
// before `from`) shows the SDK's coded error and leaves the charts as they were.
import { $ } from "./dom.js";
import * as fmt from "./format.js";
import { toPlain } from "./data.js";
import { describe } from "./toast.js";
import { draw, token } from "./chartlib.js";
import { dataTable } from "./datatable.js";
import { bucketLabel, defaultRange, rangeText } from "./period.js";

const plural = (n, word) => `${fmt.number(n)} ${word}${n === 1 ? "" : "s"}`;

function volumeSummary(period, rows) {
  const total = rows.reduce((n, r) => n + r.calls, 0);
  const top = rows.reduce((a, b) => (b.calls > a.calls ? b : a), rows[0] ?? { calls: 0 });
  const busiest = top.calls > 0 ? `, most in ${bucketLabel(period.granularity, top.bucket)} (${top.calls})` : "";
  return `Call volume, ${rangeText(period)}: ${plural(total, "call")}${busiest}. Figures in the data table below.`;
}

function durationSummary(period, rows) {
  const timed = rows.filter((r) => r.averageDuration !== null);
  const body = timed.length
    ? timed.map((r) => `${bucketLabel(period.granularity, r.bucket)} ${fmt.duration(r.averageDuration)}`).join(", ")
    : "no timed calls";
  return `Average call length, ${rangeText(period)}: ${body}. Figures in the data table below.`;
}

function volumeChart(period, rows) {
  const labels = rows.map((r) => bucketLabel(period.granularity, r.bucket));
  const set = (label, color, pick) => ({ label, data: rows.map(pick), backgroundColor: color, borderRadius: 3, stack: "calls" });
  return {
    type: "bar",
    data: {
      labels,
      datasets: [
        set("Completed", token("--ok"), (r) => r.completedSessions),
        set("Failed", token("--danger"), (r) => r.failedSessions),
        set("Not ended", "#8aa0b8", (r) => Math.max(0, r.calls - r.completedSessions - r.failedSessions)),
      ],
    },
    options: {
      scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } },
    },
  };
}

function durationChart(period, rows) {
  return {
    type: "line",
    data: {
      labels: rows.map((r) => bucketLabel(period.granularity, r.bucket)),
      datasets: [{
        label: "Average length",
        data: rows.map((r) => r.averageDuration),
        borderColor: token("--accent"),
        backgroundColor: token("--accent"),
        pointRadius: 4,
        spanGaps: false,
      }],
    },
    options: {
      scales: { y: { beginAtZero: true, suggestedMax: 60, ticks: { precision: 0, callback: (v) => fmt.duration(v) } }, x: { grid: { display: false } } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (c) => `Average ${fmt.duration(c.parsed.y)}` } },
      },
    },
  };
}

const cell = (value, text = fmt.number(value)) => ({ value, text });

export function setupTrends(app) {
  const volume = $("#fig-volume");
  const duration = $("#fig-duration");
  const from = $("#range-from");
  const to = $("#range-to");
  const error = $("#period-error");
  const period = { granularity: "day", ...defaultRange("day") };
  from.value = period.from;
  to.value = period.to;

  for (const radio of document.querySelectorAll('input[name="granularity"]')) {
    radio.addEventListener("change", () => {
      period.granularity = radio.value;
      Object.assign(period, defaultRange(radio.value));
      from.value = period.from;
      to.value = period.to;
      refresh();
    });
  }
  for (const input of [from, to]) {
    input.addEventListener("change", () => {
      period.from = from.value;
      period.to = to.value;
      refresh();
    });
  }

  async function refresh() {
    const client = app.conn.client;
    if (!client) return;
    const asked = { ...period };
    let rows;
    try {
      const args = { granularity: asked.granularity, from: asked.from, to: asked.to };
      rows = await Promise.all([client.getCallVolume(args), client.getDurationTrend(args)]).then(toPlain);
    } catch (err) {
      // Offline, the SDK answers only arguments it has answered before on this client;
      // the charts keep the last period drawn, and say so.
      error.textContent = err?.code === "NETWORK"
        ? `Offline, and this period was not loaded before: the charts still show the last one loaded. ${describe(err)}`
        : `This period cannot be shown: ${describe(err)}`;
      error.hidden = false;
      return;
    }
    // A newer period was chosen while this one was loading: its answer draws instead.
    if (asked.granularity !== period.granularity || asked.from !== period.from || asked.to !== period.to) return;
    error.hidden = true;
    const [vol, dur] = rows;
    for (const fig of [volume, duration]) fig.querySelector('[data-role="range-text"]').textContent = rangeText(asked);
    for (const fig of [volume, duration]) fig.dataset.granularity = asked.granularity;
    const label = (r) => bucketLabel(asked.granularity, r.bucket);

    dataTable(volume.querySelector('[data-role="table"]'), {
      testid: "volume-table",
      caption: `Call volume, ${rangeText(asked)}`,
      columns: [asked.granularity === "week" ? "Week of" : asked.granularity === "month" ? "Month" : "Day", "Calls", "Completed", "Failed"],
      rows: vol.map((r) => ({ key: r.bucket, head: label(r), cells: [cell(r.calls), cell(r.completedSessions), cell(r.failedSessions)] })),
    });
    dataTable(duration.querySelector('[data-role="table"]'), {
      testid: "duration-table",
      caption: `Average call length, ${rangeText(asked)}`,
      columns: [asked.granularity === "week" ? "Week of" : asked.granularity === "month" ? "Month" : "Day", "Completed", "Timed calls", "Average length"],
      rows: dur.map((r) => ({
        key: r.bucket,
        head: label(r),
        cells: [cell(r.completedSessions), cell(r.timedCalls), cell(r.averageDuration, fmt.duration(r.averageDuration))],
      })),
    });
    await draw(volume.querySelector("canvas"), volumeChart(asked, vol), volumeSummary(asked, vol));
    await draw(duration.querySelector("canvas"), durationChart(asked, dur), durationSummary(asked, dur));
  }

  return { refresh };
}
