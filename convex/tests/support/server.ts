/**
 * The real local backend for tests: spawn `video-session-server`, talk to it over HTTP.
 *
 * `startServer` runs the binary from `VSS_SERVER_BIN` (default
 * `../target/debug/video-session-server`, relative to `convex/`) on free ports with a
 * fresh SQLite file in a temporary directory, and resolves once the server has printed
 * `listening on http://127.0.0.1:PORT`. A server with a JWT secret refuses every call
 * without a token, and the tests make both kinds, so two processes share that one
 * database: one with a random secret, one without auth; `url` is a small proxy that
 * sends a request with an `Authorization` header to the first and any other to the
 * second. Each call gets its own processes and database, so tests never see each
 * other's data; `stop()` ends them and removes the directory.
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
interface ProxyRequest extends AsyncIterable<Uint8Array> {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}
interface ProxyResponse {
  writeHead(status: number, headers: Record<string, string>): void;
  end(body?: Uint8Array): void;
}
interface HttpServer {
  listen(port: number, host: string, listening: () => void): void;
  address(): { port: number } | string | null;
  close(): void;
  closeAllConnections(): void;
}
interface HttpModule {
  createServer(handler: (req: ProxyRequest, res: ProxyResponse) => void): HttpServer;
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
  /** The `--jwt-secret` the server was started with. */
  secret: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;

/** Starts a server with a fresh database; rejects with its stderr if it does not come up. */
export async function startServer(): Promise<RunningServer> {
  const [cp, fs, os, http] = await Promise.all([
    nodeModule<ChildProcessModule>("node:child_process"),
    nodeModule<FsModule>("node:fs"),
    nodeModule<OsModule>("node:os"),
    nodeModule<HttpModule>("node:http"),
  ]);
  const bin = serverBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(
      `server binary not found at ${bin}: build it with \`cargo build -p video-session-server\` ` +
        `or set VSS_SERVER_BIN`,
    );
  }
  const dir = fs.mkdtempSync(`${os.tmpdir()}/vss-test-`);
  const secret = hex(crypto.getRandomValues(new Uint8Array(24)));
  const started: { child: Child; url: string }[] = [];
  let proxy: HttpServer | undefined;
  const stop = async () => {
    proxy?.closeAllConnections();
    proxy?.close();
    for (const { child } of started) await stopChild(child, () => {});
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const auth of [["--jwt-secret", secret], []]) {
      const child = cp.spawn(bin, ["--port", "0", "--db", `${dir}/sessions.db`, ...auth], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr?.on("data", (chunk) => {
        stderr += chunk.toString();
      });
      started.push({ child, url: "" });
      started[started.length - 1].url = await waitForListening(child, () => stderr);
    }
    const [signedIn, anonymous] = started.map((s) => s.url);
    proxy = http.createServer((req, res) => {
      const target = req.headers.authorization === undefined ? anonymous : signedIn;
      forward(req, target).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        (e: unknown) => {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(utf8(`proxy: ${String(e)}`));
        },
      );
    });
    const url = await new Promise<string>((ok) => {
      const p = proxy as HttpServer;
      p.listen(0, "127.0.0.1", () => {
        const address = p.address();
        ok(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
      });
    });
    return { url, secret, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Replays `req` against `target` with fetch; the reply as status, headers and bytes. */
async function forward(
  req: ProxyRequest,
  target: string,
): Promise<{ status: number; headers: Record<string, string>; body: Uint8Array }> {
  const parts: Uint8Array[] = [];
  for await (const part of req) parts.push(part);
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (body.set(p, at), at + p.length), 0);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string" && !["host", "connection", "content-length"].includes(name)) {
      headers[name] = value;
    }
  }
  const method = req.method ?? "GET";
  const res = await fetch(`${target}${req.url ?? "/"}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
  });
  const replyHeaders: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(name)) {
      replyHeaders[name] = value;
    }
  });
  return { status: res.status, headers: replyHeaders, body: new Uint8Array(await res.arrayBuffer()) };
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
  };
}

/** How the wire protocol spells the two data-less errors (docs/contract.md). */
export const httpErrorRules: ErrorRules = {
  isValidatorMessage: (message) => message.startsWith("ArgumentValidationError"),
  isUnknownFunctionMessage: (message, path) => message === `Could not find public function for '${path}'.`,
};
