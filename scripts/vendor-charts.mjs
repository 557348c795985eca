// Vendors the demo's charting library into a served copy of www/: Chart.js and its
// matrix (heat map) plug-in, both pinned in scripts/tools/package.json and its lock
// file, copied from scripts/tools/node_modules into `<www>/vendor/`. The page loads
// them from there, so nothing is fetched from outside the server that serves the page
// (no CDN), and the files in git stay the demo's own (www/vendor/ is git-ignored).
//
// Used by scripts/demo.sh (`node scripts/vendor-charts.mjs www`) and by the e2e
// harness (tests/e2e/support.mjs) on its temporary copy of www/.
import { copyFile, mkdir, access } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MODULES = join(ROOT, "scripts/tools/node_modules");

/** [source under scripts/tools/node_modules, name under vendor/]. */
export const VENDORED = [
  ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
  ["chart.js/LICENSE.md", "chart.js.LICENSE.md"],
  ["chartjs-chart-matrix/dist/chartjs-chart-matrix.min.js", "chartjs-chart-matrix.min.js"],
  ["chartjs-chart-matrix/LICENSE", "chartjs-chart-matrix.LICENSE"],
];

/** Copies the vendored files into `<www>/vendor/`; throws naming a missing file. */
export async function vendorCharts(www) {
  const dest = join(www, "vendor");
  await mkdir(dest, { recursive: true });
  for (const [from, to] of VENDORED) {
    const src = join(MODULES, from);
    try {
      await access(src);
    } catch {
      throw new Error(`${src} is missing: run \`npm ci --prefix scripts/tools\` (or scripts/setup.sh)`);
    }
    await copyFile(src, join(dest, to));
  }
  return dest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const www = resolve(process.argv[2] ?? join(ROOT, "www"));
  vendorCharts(www).then(
    (dest) => console.log(`vendor-charts: Chart.js and chartjs-chart-matrix copied to ${dest}`),
    (err) => {
      console.error(`vendor-charts: ${err.message}`);
      process.exit(1);
    },
  );
}
