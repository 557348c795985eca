// The text alternative of a chart: a real <table> with the same figures, in the
// chart's "Data table" disclosure. Each cell keeps the backend's raw figure in
// `data-value` (the tests compare those with the backend's answer) and shows it
// formatted. Wide tables scroll inside a focusable region, as the other tables do.
import { clear, h } from "./dom.js";

/**
 * Fills `wrap` with a table.
 * @param {HTMLElement} wrap
 * @param {{ caption: string, columns: string[], rows: { head: string, key: string, cells: { value: unknown, text: string }[] }[], testid: string }} t
 */
export function dataTable(wrap, t) {
  const id = `${t.testid}-caption`;
  const table = h(
    "table",
    { class: "table compact", testid: t.testid },
    h("caption", { id, class: "visually-hidden", text: t.caption }),
    h("thead", {}, h("tr", {}, t.columns.map((c, i) => h("th", { scope: "col", class: i ? "num" : null, text: c })))),
    h(
      "tbody",
      {},
      t.rows.map((r) =>
        h(
          "tr",
          { dataset: { key: r.key } },
          h("th", { scope: "row", text: r.head }),
          r.cells.map((c) => h("td", { class: "num", dataset: { value: c.value === null ? "null" : String(c.value) }, text: c.text })),
        ),
      ),
    ),
  );
  clear(wrap).append(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": id }, table));
}
