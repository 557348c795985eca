#!/usr/bin/env node
// What `npx convex deploy` would do with functions/, short of talking to a deployment:
//
// 1. The typecheck `convex deploy --typecheck=enable` runs: `tsc --project functions`
//    (its own tsconfig, no test types). The CLI runs it only after the deployment has
//    accepted the push, so it is run here directly, with the same compiler.
// 2. The deploy bundler itself (esbuild, the CLI's entry points, the auth config
//    bundled as one module): `convex deploy --debug-bundle-path` writes the bundles and
//    stops before the push. The CLI insists on a target before it bundles; a
//    self-hosted URL on a closed port with a dummy admin key satisfies it, and nothing
//    is sent there (the bundle step returns before any request; a request would fail).
// 3. The bundled auth.config.js evaluated as a deployment evaluates it: reading an
//    unset variable throws there, so it must still load with no provider set, and
//    list Clerk when CLERK_JWT_ISSUER_DOMAIN is set.
//
// Runs offline, needs no account; exits non-zero on the first failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } }).toString();
const fail = (message) => {
  console.error(`deploy-check: ${message}`);
  process.exit(1);
};

console.log("deploy-check: tsc --project functions (what --typecheck=enable runs)");
run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--project", "functions"]);

const dir = mkdtempSync(join(tmpdir(), "vss-convex-bundle-"));
try {
  const out = join(dir, "bundle");
  console.log(`deploy-check: convex deploy --debug-bundle-path ${out} (offline)`);
  run(process.execPath, [join(root, "node_modules/convex/bin/main.js"), "deploy", "--debug-bundle-path", out, "-y"], {
    CONVEX_SELF_HOSTED_URL: "http://127.0.0.1:9",
    CONVEX_SELF_HOSTED_ADMIN_KEY: "offline-bundle-check",
    CONVEX_DEPLOYMENT: "",
    CONVEX_DEPLOY_KEY: "",
  });
  const config = JSON.parse(readFileSync(join(out, "fullConfig.json"), "utf8"));
  const paths = config.modules.map((m) => m.path);
  for (const want of [
    "videoCallSessions.js",
    "appointments.js",
    "processedOps.js",
    "abandonedSessions.js",
    "crons.js",
    "auth.config.js",
  ]) {
    if (!paths.includes(want)) fail(`the bundle lacks ${want} (has ${paths.join(", ")})`);
  }
  const nodeModules = config.modules.filter((m) => m.environment !== "isolate").map((m) => m.path);
  if (nodeModules.length > 0) fail(`modules outside Convex's isolate runtime: ${nodeModules.join(", ")}`);

  // Evaluated in a fresh context whose only `process.env` is the deployment's, as
  // Convex evaluates it; the ES module's default export becomes a global.
  const source = readFileSync(join(out, "isolate", "auth.config.js"), "utf8");
  const script = source.replace(/export\s*\{\s*(\w+) as default\s*\};?/, "globalThis.__authConfig = $1;");
  if (script === source) fail("auth.config.js has no default export in the form this check expects");
  const evaluate = async (set) => {
    const env = new Proxy(set, {
      get(target, name) {
        if (typeof name === "string" && !(name in target)) {
          throw new Error(`Environment variable ${name} is used in auth config file but its value was not set`);
        }
        return target[name];
      },
    });
    const context = vm.createContext({ process: { env } });
    vm.runInContext(script, context);
    return JSON.parse(JSON.stringify(context.__authConfig));
  };
  const none = await evaluate({});
  if (JSON.stringify(none) !== JSON.stringify({ providers: [] })) fail(`with no variables: ${JSON.stringify(none)}`);
  const clerk = await evaluate({ CLERK_JWT_ISSUER_DOMAIN: "https://clerk.example.com" });
  if (clerk.providers.length !== 1 || clerk.providers[0].domain !== "https://clerk.example.com") {
    fail(`with CLERK_JWT_ISSUER_DOMAIN: ${JSON.stringify(clerk)}`);
  }
  console.log(`deploy-check: ok (${paths.length} modules bundled; auth.config.js loads with and without providers)`);
} finally {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
