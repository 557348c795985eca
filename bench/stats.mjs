// Small, pure helpers the runner uses to turn samples into figures and figures into
// the printed table. No I/O except `printTable` (stdout).

/** The p-quantile (0..1) of `xs` by nearest rank on the sorted copy; NaN when empty. */
export function quantile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.round((s.length - 1) * p)];
}

export const p50 = (xs) => quantile(xs, 0.5);
export const p99 = (xs) => quantile(xs, 0.99);
export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Milliseconds with a sensible number of digits. */
export function ms(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 100) return `${x.toFixed(0)} ms`;
  if (x >= 1) return `${x.toFixed(2)} ms`;
  return `${x.toFixed(3)} ms`;
}

export const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
export const ratio = (x) => `${x.toFixed(2)}×`;

/**
 * One table row. `ok` is true/false against the goal, or null when the figure has
 * no goal (printed "—").
 */
export const row = (figure, measured, goal, ok) => ({ figure, measured, goal, ok });

/** Prints rows as a Markdown table (the same text BENCHMARKS.md carries). */
export function printTable(rows) {
  const cells = rows.map((r) => [r.figure, r.measured, r.goal, r.ok === null ? "—" : r.ok ? "yes" : "NO"]);
  const head = ["figure", "measured", "goal", "ok?"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(" | ")} |`;
  const out = [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)];
  console.log(out.join("\n"));
}
