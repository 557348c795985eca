/**
 * The real local backend for tests: spawn `video-session-server`, talk to it over HTTP.
 *
 * `startServer` runs the binary from `VSS_SERVER_BIN` (default
 * `../target/debug/video-session-server`, relative to `convex/`) on a free port with a
 * fresh SQLite file in a temporary directory — with a random JWT secret when `auth` is
 * asked for (auth configured), without one otherwise (anonymous calls), with
 * `--test-hooks` (the `POST /test/sweepAbandoned` route) when `testHooks` is — and resolves
 * once the server has printed `listening on http://127.0.0.1:PORT`. Each call gets its
 * own process and database, so tests never see each other's data; `stop()` kills the
 * process and removes the directory.
 *
 * `signToken` makes the HS256 JWT the server accepts for that secret (WebCrypto), and
 * `httpDriver` is the scenario driver that speaks the wire protocol of
 * docs/contract.md with plain `fetch`, decoding values with Convex's own JSON codec.
 *
 * The package's tsconfig has no Node types (the functions must not use Node APIs), so
 * the three Node modules used here are loaded at run time and typed by the narrow
 * interfaces below, which name exactly what this file relies on.
 */
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import type { CallKind, CallOutcome, Driver, ErrorRules } from "./scenario";

interface Readable {
  on(event: "data", listener: (chunk: { toString(): string }) => void): void;
}
interface Child {
  stdout: Readable | null;
  stderr: Readable | null;
  exitCode: number | null;
  signalCode: string | null;
  kill(signal: "SIGKILL"): boolean;
  once(event: "exit", listener: (code: number | null, signal: string | null) => void): void;
  once(event: "error", listener: (error: Error) => void): void;
}
interface ChildProcessModule {
  spawn(command: string, args: string[], options: { stdio: ["ignore", "pipe", "pipe"] }): Child;
}
interface FsModule {
  existsSync(path: string): boolean;
  mkdtempSync(prefix: string): string;
  rmSync(path: string, options: { recursive: true; force: true }): void;
}
interface OsModule {
  tmpdir(): string;
}

async function nodeModule<T>(name: string): Promise<T> {
  return (await import(/* @vite-ignore */ name)) as T;
}

const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;

/** Where the server binary is: `VSS_SERVER_BIN` (relative paths from `convex/`) or the debug build. */
export function serverBinary(): string {
  const convexDir = new URL("../../", import.meta.url);
  return decodeURIComponent(new URL(env.VSS_SERVER_BIN ?? "../target/debug/video-session-server", convexDir).pathname);
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** The `--jwt-secret` the server was started with ("" when started without auth). */
  secret: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;

/**
 * Starts a server with a fresh database; rejects with its stderr if it does not come up.
 * `auth: true` (the default) gives it a secret, so it verifies tokens.
 */
export async function startServer(options: { auth?: boolean; testHooks?: boolean } = {}): Promise<RunningServer> {
  const auth = options.auth ?? true;
  const [cp, fs, os] = await Promise.all([
    nodeModule<ChildProcessModule>("node:child_process"),
    nodeModule<FsModule>("node:fs"),
    nodeModule<OsModule>("node:os"),
  ]);
  const bin = serverBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(
      `server binary not found at ${bin}: build it with \`cargo build -p video-session-server\` ` +
        `or set VSS_SERVER_BIN`,
    );
  }
  const dir = fs.mkdtempSync(`${os.tmpdir()}/vss-test-`);
  const secret = auth ? hex(crypto.getRandomValues(new Uint8Array(24))) : "";
  const args = [
    "--port",
    "0",
    "--db",
    `${dir}/sessions.db`,
    ...(auth ? ["--jwt-secret", secret] : []),
    ...(options.testHooks === true ? ["--test-hooks"] : []),
  ];
  const child = cp.spawn(bin, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk.toString();
  });
  const stop = () => stopChild(child, () => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    const url = await waitForListening(child, () => stderr);
    return { url, secret, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function waitForListening(child: Child, stderr: () => string): Promise<string> {
  return new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(
      () => fail(new Error(`server did not print its address within ${STARTUP_TIMEOUT_MS} ms; stderr: ${stderr()}`)),
      STARTUP_TIMEOUT_MS,
    );
    child.stdout?.on("data", (chunk) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`server exited before listening (code ${code}, signal ${signal}); stderr: ${stderr()}`));
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
}

async function stopChild(child: Child, cleanUp: () => void): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    child.kill("SIGKILL");
    await exited;
  }
  cleanUp();
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** An HS256 JWT for `subject`, valid for an hour, signed with `secret`. */
export async function signToken(subject: string, secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(utf8(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = b64url(utf8(JSON.stringify({ sub: subject, iat: now, exp: now + 3600 })));
  const key = await crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("HMAC", key, utf8(`${header}.${payload}`));
  return `${header}.${payload}.${b64url(new Uint8Array(signature))}`;
}

/** The scenario driver for a running server: one POST per call, as ConvexHttpClient sends it. */
export function httpDriver(server: RunningServer): Driver {
  return {
    async call(kind: CallKind, path: string, args: unknown, as?: string): Promise<CallOutcome> {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (as !== undefined) headers.Authorization = `Bearer ${await signToken(as, server.secret)}`;
      const body = JSON.stringify({ path, format: "convex_encoded_json", args: [convexToJson(args as Value)] });
      const res = await fetch(`${server.url}/api/${kind}`, { method: "POST", headers, body });
      const text = await res.text();
      // The server refuses a missing or bad token before any function runs (HTTP 401);
      // a Convex deployment says the same with a coded error, so the runner sees one.
      if (res.status === 401) return unauthenticated(text);
      if (res.status !== 200) throw new Error(`HTTP ${res.status} from /api/${kind} ${path}: ${text}`);
      const reply = JSON.parse(text) as {
        status: string;
        value?: unknown;
        errorMessage?: string;
        errorData?: unknown;
      };
      if (reply.status === "success") return { ok: true, value: jsonToConvex(reply.value as never) };
      if (reply.status === "error") {
        const data = reply.errorData === undefined ? undefined : jsonToConvex(reply.errorData as never);
        return { ok: false, message: reply.errorMessage ?? "", data };
      }
      throw new Error(`unexpected reply from /api/${kind} ${path}: ${text}`);
    },
    // docs/contract.md "Scenario files": with --test-hooks, the route answers 200
    // `{"closed": n}` once the sweep is done.
    async sweepAbandoned(now: string): Promise<CallOutcome> {
      const res = await fetch(`${server.url}/test/sweepAbandoned`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ now }),
      });
      const text = await res.text();
      if (res.status !== 200) return { ok: false, message: `HTTP ${res.status} from /test/sweepAbandoned: ${text}` };
      const reply = JSON.parse(text) as { closed?: unknown };
      if (typeof reply.closed !== "number") {
        return { ok: false, message: `unexpected reply from /test/sweepAbandoned: ${text}` };
      }
      return { ok: true, value: reply.closed };
    },
  };
}

function unauthenticated(text: string): CallOutcome {
  let message = text;
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (body.code !== "Unauthenticated") throw new Error(`HTTP 401 with an unexpected body: ${text}`);
    message = String(body.message ?? "");
  } catch (e) {
    if (e instanceof SyntaxError) throw new Error(`HTTP 401 with a body that is not JSON: ${text}`);
    throw e;
  }
  return { ok: false, message, data: { code: "UNAUTHENTICATED", message } };
}

/** How the wire protocol spells the two data-less errors (docs/contract.md). */
export const httpErrorRules: ErrorRules = {
  isValidatorMessage: (message) => message.startsWith("ArgumentValidationError"),
  isUnknownFunctionMessage: (message, path) => message === `Could not find public function for '${path}'.`,
};
