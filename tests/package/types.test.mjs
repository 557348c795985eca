// The package's types where the Vite fixture's DOM project does not look: a Node-only
// TypeScript project (no DOM library, skipLibCheck off) and arethetypeswrong's checks
// of every entry under node10, node16 (CommonJS and ESM) and bundler resolution.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fixtureProject, packPackage, removeTemp, run } from "./support.mjs";

let packed;
let project;

before(async () => {
  packed = await packPackage();
  project = await fixtureProject(packed);
});
after(removeTemp);

test("a Node-only project (lib ES2022, no DOM, skipLibCheck false) type-checks the package", { timeout: 90_000 }, async () => {
  const { dir, bin } = project;
  for (const types of [["node"], []]) {
    const r = await run(bin("tsc"), ["-p", "types/tsconfig.json", "--types", types.join(",")], { cwd: dir, allowFail: true });
    assert.equal(r.code, 0, `tsc with types [${types}]:\n${r.stdout}${r.stderr}`);
  }
});

// Each finding arethetypeswrong may report, and why it stays (the package README says
// the same under "TypeScript"). Anything else fails.
const EXPLAINED = {
  // ES-module-only: `require()` from CommonJS needs Node >= 20.19 / 22.12 (engines).
  CJSResolvesToESM: "ES-module-only package",
};

test("arethetypeswrong: no finding beyond the ones the README explains", { timeout: 90_000 }, async (t) => {
  const { dir, bin } = project;
  const r = await run(bin("attw"), [packed.tarball, "--format", "json"], { cwd: dir, allowFail: true });
  const report = JSON.parse(r.stdout);
  const problems = (report.analysis?.problems ?? []).map((p) => ({ kind: p.kind, entrypoint: p.entrypoint, resolution: p.resolutionKind }));
  for (const p of problems) t.diagnostic(`attw: ${p.kind} ${p.entrypoint ?? ""} ${p.resolution ?? ""}`);
  const unexplained = problems.filter((p) => !(p.kind in EXPLAINED));
  assert.deepEqual(unexplained, [], "every arethetypeswrong finding is explained");
});
