// Starts the real local backend (server/) on a free loopback port with a fresh
// SQLite file, and talks to it directly, so tests can check what the backend holds
// independently of the SDK under test.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

export async function startBackend() {
  const bin = process.env.VSS_SERVER_BIN ?? join(root, "target/debug/video-session-server");
  const dir = mkdtempSync(join(tmpdir(), "vss-js-"));
  const child = spawn(bin, ["--port", "0", "--db", join(dir, "db.sqlite3")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((ok, fail) => {
    let out = "";
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`${bin} exited with ${code} before listening`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) ok(m[1]);
    });
  });
  return {
    url,
    async query(path, args) {
      const res = await fetch(`${url}/api/query`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path, format: "convex_encoded_json", args: [args] }),
      });
      const body = await res.json();
      if (body.status !== "success") throw new Error(`${path}: ${body.errorMessage}`);
      return body.value;
    },
    stop() {
      child.removeAllListeners("exit");
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
