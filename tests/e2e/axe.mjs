// axe-core (from scripts/tools) run inside a demo page, so the e2e suite can hold every screen
// to WCAG AA. The source is evaluated through the DevTools protocol rather than added
// as a <script> tag, so a Content-Security-Policy on the page can never block it, and
// the page itself never ships or loads axe.
//
// Only serious and critical findings fail a test: those are the ones that keep someone
// from reading or operating the demo (colour contrast, names of controls, …).
import { readFile } from "node:fs/promises";
import { join as joinPath } from "node:path";
import { ROOT } from "./support.mjs";

const AXE = joinPath(ROOT, "scripts/tools/node_modules/axe-core/axe.min.js");
const BLOCKING = new Set(["serious", "critical"]);
let source;

async function inject(page) {
  source ??= await readFile(AXE, "utf8");
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(source);
}

/**
 * Every violation, whatever its impact, inside the element `selector` (the dashboard
 * is held to this stricter rule: it is new and has nothing to excuse).
 */
export async function allViolationsIn(page, selector) {
  await inject(page);
  const { violations } = await page.evaluate((sel) => window.axe.run(sel, { resultTypes: ["violations"] }), selector);
  return violations;
}

/** Runs axe on the whole page; returns its serious and critical violations. */
export async function blockingViolations(page) {
  await inject(page);
  // Finish any transition (toasts fading in, switches sliding) so colours are final.
  // Endless ones (the "connecting" pulse) never finish and are left running.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime))
        .map((a) => a.finished.catch(() => {})),
    ),
  );
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return violations.filter((v) => BLOCKING.has(v.impact));
}

/** One line per failing element: rule id, impact, CSS target and axe's summary. */
export function describe(screen, violations) {
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${screen}: ${v.id} (${v.impact}) ${n.target.join(" ")} — ${(n.failureSummary ?? v.help).replace(/\s+/g, " ")}`),
  );
}
