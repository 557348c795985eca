// The charting library: Chart.js and its matrix (heat map) plug-in, vendored from npm
// into ./vendor/ by scripts/vendor-charts.mjs and loaded from the page's own server
// (no CDN, nothing fetched from elsewhere). Both ship as UMD bundles, so they are
// loaded as classic scripts, Chart.js first (the plug-in registers itself on it).
//
// Charts are drawn without animation: the dashboard refreshes every 10 s and a chart
// that re-animates on each refresh is noise (and motion some people ask not to see).
// Each canvas is `role="img"` with a one-line summary; the figures themselves are in
// the data table beside it (js/datatable.js), which is the text alternative.

let loading = null;

function script(src) {
  return new Promise((resolve, reject) => {
    const el = document.createElement("script");
    el.src = src;
    el.onload = resolve;
    el.onerror = () => reject(new Error(`${src} could not be loaded (run scripts/vendor-charts.mjs)`));
    document.head.append(el);
  });
}

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Chart.js with the matrix controller registered and the demo's defaults; loaded once. */
export function loadCharts() {
  loading ??= (async () => {
    await script("vendor/chart.umd.min.js");
    await script("vendor/chartjs-chart-matrix.min.js");
    const { Chart } = window;
    if (!Chart?.registry?.getController("matrix")) throw new Error("chartjs-chart-matrix did not register");
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.color = css("--muted") || "#5d6b80";
    Chart.defaults.borderColor = "#edf1f6";
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 11;
    Chart.defaults.plugins.legend.labels.boxWidth = 12;
    return Chart;
  })();
  return loading;
}

/** A CSS colour token's value, for Chart.js (which cannot read `var(--x)`). */
export const token = css;

/**
 * Draws `config` on `canvas`, or updates the chart already there with the new data
 * and options. `summary` becomes the canvas's accessible name.
 */
export async function draw(canvas, config, summary) {
  const Chart = await loadCharts();
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", summary);
  const existing = Chart.getChart(canvas);
  if (existing && existing.config.type === config.type) {
    existing.data = config.data;
    existing.options = config.options;
    existing.update();
    return existing;
  }
  existing?.destroy();
  return new Chart(canvas, config);
}
