// Bar charts drawn as inline SVG. The SVG scales with its container (viewBox); each
// chart carries an aria-label summarising its data, and each bar a <title> tooltip.
import { clear, s } from "./dom.js";

const W = 560;
const H = 220;
const M = { top: 18, right: 8, bottom: 30, left: 34 };

/** A round axis maximum ≥ `max` made of `ticks` whole steps: 7 → 8 (steps of 2). */
function niceMax(max, ticks) {
  const raw = Math.max(1, max) / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((st) => st >= raw);
  return Math.max(1, Math.ceil(step)) * ticks;
}

/**
 * Draws `bars` ([{label, value, title?}]) into `container`.
 * @param {{ ariaLabel: string, color?: string, labelEvery?: number, testid?: string, emptyText?: string }} opts
 */
export function barChart(container, bars, opts) {
  clear(container);
  const ticks = 4;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)), ticks);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.min(44, slot * 0.62);
  const y = (v) => M.top + plotH - (v / max) * plotH;
  const labelEvery = opts.labelEvery || 1;

  const grid = [];
  for (let i = 0; i <= ticks; i++) {
    const v = (max / ticks) * i;
    grid.push(
      s("line", { class: i === 0 ? "axis" : "grid", x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
      s("text", { class: "tick", x: M.left - 8, y: y(v) + 4, "text-anchor": "end", text: Number.isInteger(v) ? v : v.toFixed(1) }),
    );
  }

  const marks = bars.map((bar, i) => {
    const cx = M.left + slot * i + slot / 2;
    const top = y(bar.value);
    const height = Math.max(0, M.top + plotH - top);
    return s(
      "g",
      { class: "bar-group" },
      s(
        "rect",
        {
          class: "bar",
          x: cx - barW / 2,
          y: height > 0 ? top : M.top + plotH - 1,
          width: barW,
          height: Math.max(1, height),
          rx: Math.min(5, barW / 4),
          fill: opts.color || "currentColor",
          "fill-opacity": bar.value > 0 ? 1 : 0.18,
        },
        s("title", { text: bar.title || `${bar.label}: ${bar.value}` }),
      ),
      bar.value > 0 ? s("text", { class: "value", x: cx, y: top - 6, "text-anchor": "middle", text: bar.value }) : null,
      (bars.length - 1 - i) % labelEvery === 0
        ? s("text", { class: "label", x: cx, y: H - 10, "text-anchor": "middle", text: bar.label })
        : null,
    );
  });

  const empty = bars.every((b) => !b.value) && opts.emptyText
    ? s("text", { class: "empty-text", x: M.left + plotW / 2, y: M.top + plotH / 2, "text-anchor": "middle", text: opts.emptyText })
    : null;

  container.append(
    s(
      "svg",
      {
        class: "chart-svg",
        viewBox: `0 0 ${W} ${H}`,
        role: "img",
        "aria-label": opts.ariaLabel,
        preserveAspectRatio: "xMidYMid meet",
        testid: opts.testid,
      },
      grid,
      marks,
      empty,
    ),
  );
}
