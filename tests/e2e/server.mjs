// The local backend for the JS test suites: start the binary on a free loopback port,
// and query it directly. Kept free of node:test so vitest suites can import it too.
import { spawn } from "node:child_process";
import { access } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SERVER_BIN = resolve(ROOT, process.env.VSS_SERVER_BIN || "target/debug/video-session-server");

async function mustExist(path, hint) {
  try {
    await access(path);
  } catch {
    throw new Error(`${path} is missing: ${hint}`);
  }
}

/**
 * Runs the server binary on a free loopback port with database `db` and static files
 * from `www`; resolves once it prints its address. Returns `{ url, stop, output }`.
 */
export async function spawnServer(db, www) {
  await mustExist(SERVER_BIN, "run `cargo build -p video-session-server` (or set VSS_SERVER_BIN)");
  const child = spawn(SERVER_BIN, ["--port", "0", "--db", db, "--www", www], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise((done) => child.once("exit", done));
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not print its address in 20 s:\n${output}`)), 20_000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`the server exited (code ${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A direct Convex HTTP query (`POST /api/query`); returns the value or throws. */
export async function query(url, path, args) {
  const res = await fetch(`${url}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path, format: "convex_encoded_json", args: [args] }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.status !== "success") {
    throw new Error(`${path} failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  }
  return body.value;
}
