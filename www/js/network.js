// The SDK client and the demo's "Network" switch.
//
// Turning the network off closes the client and opens a new one whose backend URL is
// unreachable, on the same localStorage: pending ops stay stored and are delivered by
// the next client once the switch is back on. Invariants: at most one open client at a
// time (switches are serialised), and events of a closed client are ignored.

import { toPlain } from "./data.js";

/** Nothing listens on the discard port, so every request fails at once. */
export const UNREACHABLE_URL = "http://127.0.0.1:9";

/** SDK events may arrive as a Map (serde-wasm-bindgen's default) or a plain object. */
function plain(event) {
  if (event instanceof Map) return toPlain(event);
  return event && typeof event === "object" ? { ...event } : { type: String(event) };
}

export class Connection extends EventTarget {
  /** @param {{ sdk: any, baseUrl: string, debug: boolean }} options */
  constructor({ sdk, baseUrl, debug }) {
    super();
    this.sdk = sdk;
    this.baseUrl = baseUrl;
    this.debug = debug;
    this.client = null;
    this.userId = null;
    this.online = true;
    /** "unknown" until the SDK reports; then "online" or "offline". */
    this.reachability = "unknown";
    this.generation = 0;
    this.chain = Promise.resolve();
  }

  /** Opens the client for `userId` (closing any previous one). */
  open(userId) {
    return this.serial(() => this.reopen(userId, this.online));
  }

  /** The Network switch. */
  setOnline(on) {
    return this.serial(() => this.reopen(this.userId, on));
  }

  /** The open client, once any switch in progress has finished. */
  async ready() {
    await this.chain;
    if (!this.client) throw new Error("the SDK client is not open");
    return this.client;
  }

  setDebug(on) {
    this.debug = on;
    this.client?.setDebug(on);
  }

  serial(task) {
    const run = this.chain.then(task);
    this.chain = run.catch(() => {});
    return run;
  }

  async reopen(userId, online) {
    const generation = ++this.generation;
    const old = this.client;
    this.client = null;
    if (old) {
      try {
        await old.close();
      } catch (err) {
        this.emit("sdk-error", { error: err, during: "close" });
      }
    }
    this.online = online;
    this.userId = userId;
    this.setReachability(online ? "unknown" : "offline");
    const client = await this.sdk.VideoSessionClient.create({
      url: online ? this.baseUrl : UNREACHABLE_URL,
      userId,
      debug: this.debug,
      onEvent: (raw) => {
        if (generation !== this.generation) return;
        const event = plain(raw);
        if (event.type === "online" || event.type === "delivered") this.setReachability("online");
        if (event.type === "offline") this.setReachability("offline");
        this.emit("sdk-event", event);
      },
    });
    if (generation !== this.generation) {
      await client.close();
      return;
    }
    this.client = client;
    this.emit("client", { client, online, userId });
  }

  setReachability(state) {
    if (this.reachability === state) return;
    this.reachability = state;
    this.emit("reachability", { state });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * A direct Convex HTTP query to the backend (for data the SDK does not expose, like
   * support-worker stats). Throws when the switch is off: the backend is "unreachable".
   */
  async query(path, args) {
    if (!this.online) throw new Error("the network is switched off");
    const res = await fetch(new URL("/api/query", this.baseUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path, format: "convex_encoded_json", args: [args] }),
    });
    const body = await res.json();
    if (body.status !== "success") throw new Error(body.errorMessage || body.message || `HTTP ${res.status}`);
    return body.value;
  }
}
