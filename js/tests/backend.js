// The real local backend (server/) for the hook tests, through the launcher and the
// direct query the other JS suites use (tests/e2e/server.mjs), so tests check what
// the backend holds independently of the SDK under test.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { query, spawnServer } from "../../tests/e2e/server.mjs";

export async function startBackend() {
  const dir = await mkdtemp(join(tmpdir(), "vss-js-"));
  const server = await spawnServer(join(dir, "db.sqlite3"), dir);
  return {
    url: server.url,
    query: (path, args) => query(server.url, path, args),
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
