// The React Native platform glue (js/react-native/platform.js) in the RN entry, in Node
// without WebAssembly: storage required, AppState changes deliver, NetInfo online delivers
// and offline is reported, close() unsubscribes.
// Prints its observations as JSON for platform.test.mjs.
import { loadBuild } from "./load.mjs";

// Node's Response loads its HTTP stack (which compiles wasm) on first use: touch it
// before the probe deletes WebAssembly.
const NodeResponse = globalThis.Response;
new NodeResponse("");
await new Promise((r) => setTimeout(r, 200)); // its wasm compiles asynchronously
let requests = 0;
const bodies = [];
globalThis.fetch = async (url, init) => {
  requests++;
  if (process.env.VSS_PROBE_TRACE) bodies.push(`${url} ${init?.body}`.slice(0, 200));
  // A backend asking for an hour's pause: only a trigger may send before it ends.
  return new NodeResponse(JSON.stringify({ code: "Unavailable", message: "busy" }), { status: 503, headers: { "Retry-After": "3600" } });
};
const { sdk } = await loadBuild("rn-bare");
const { VideoSessionClient } = sdk;
const out = {};
const error = async (p) => p.then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message }));

out.noStorage = await error(VideoSessionClient.create({ url: "http://127.0.0.1:9", userId: "u" }));
out.badAppState = await error(VideoSessionClient.create({ url: "http://127.0.0.1:9", userId: "u", storage: "memory", appState: {} }));

const listeners = [];
let removed = 0;
const AppState = {
  addEventListener(type, fn) {
    listeners.push({ type, fn });
    return { remove: () => { removed++; listeners.splice(listeners.findIndex((l) => l.fn === fn), 1); } };
  },
};
const emit = (state) => listeners.forEach((l) => l.fn(state));
const settle = () => new Promise((r) => setTimeout(r, 300));

const client = await VideoSessionClient.create({ url: "http://127.0.0.1:9", userId: "u", storage: "memory", debounceMs: 60_000, appState: AppState });
out.listeners = listeners.map((l) => l.type);
await client.startSession({ supportWorkerName: "Dr. AppState" });
await settle();
out.requestsBeforeBackground = requests;
await settle();
out.requestsWithoutTrigger = requests; // the backend's Retry-After holds delivery
emit("background");
await settle();
out.requestsAfterBackground = requests;
emit("active");
await settle();
out.requestsAfterActive = requests;
client.close();
out.removed = removed;
emit("background");
await settle();
out.requestsAfterClose = requests;
out.pending = client.pendingCount();

// NetInfo: a fake with the library's shape (addEventListener returns unsubscribe).
out.badNetInfo = await error(VideoSessionClient.create({ url: "http://127.0.0.1:9", userId: "n", storage: "memory", netInfo: {} }));
const netListeners = [];
let netUnsubscribed = 0;
const NetInfo = {
  addEventListener(fn) {
    netListeners.push(fn);
    fn({ isConnected: true, isInternetReachable: null }); // the library reports the current state at once
    return () => { netUnsubscribed++; netListeners.splice(netListeners.indexOf(fn), 1); };
  },
};
const net = (state) => netListeners.forEach((fn) => fn(state));
const events = [];
const netClient = await VideoSessionClient.create({
  url: "http://127.0.0.1:9", userId: "n", storage: "memory", debounceMs: 60_000, netInfo: NetInfo,
  onEvent: (e) => { if (e.type === "online" || e.type === "offline") events.push(e.type); },
});
out.netListeners = netListeners.length;
await netClient.startSession({ supportWorkerName: "Dr. NetInfo" });
await settle();
await settle();
const held = requests; // Retry-After holds delivery
out.netOnlineBefore = netClient.isOnline();
net({ isConnected: true, isInternetReachable: false });
await settle();
out.netOnlineWhenOffline = netClient.isOnline();
out.requestsWhileOffline = requests - held; // going offline sends nothing
net({ isConnected: false, isInternetReachable: false }); // still offline: no second report
await settle();
net({ isConnected: true, isInternetReachable: true });
await settle();
out.requestsAfterOnline = requests - held;
out.netEvents = events;
netClient.close();
out.netUnsubscribed = netUnsubscribed;
out.netListenersAfterClose = netListeners.length;
if (process.env.VSS_PROBE_TRACE) out.bodies = bodies;
process.stdout.write(JSON.stringify(out));
process.exit(0);
