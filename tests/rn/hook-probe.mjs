// useVideoSession (video-session-sdk/react, js/react/index.js) on the React Native
// entry, in Node with WebAssembly deleted: React and @testing-library/react from js/
// (the hook's own test dependencies), jsdom only to host the renderer. Prints JSON.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../e2e/support.mjs";
import { loadBuild } from "./load.mjs";

const fromJs = (p) => import(pathToFileURL(join(ROOT, "js/node_modules", p)).href);
const { JSDOM } = await fromJs("jsdom/lib/api.js");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
// The renderer needs a document; the SDK itself is given everything it uses.
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.navigator = dom.window.navigator;
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

// Offline: the hook's work is local (Node's own fetch would need WebAssembly).
globalThis.fetch = async () => {
  throw new TypeError("Network request failed");
};
const { sdk } = await loadBuild("rn-bare");
const { renderHook, act, waitFor } = await fromJs("@testing-library/react/dist/index.js");
const { useVideoSession } = await import(pathToFileURL(join(ROOT, "js/react/index.js")).href);

const items = new Map();
const AsyncStorage = {
  getItem: async (k) => items.get(k) ?? null,
  setItem: async (k, v) => void items.set(k, v),
  removeItem: async (k) => void items.delete(k),
  getAllKeys: async () => [...items.keys()],
};
const client = await sdk.VideoSessionClient.create({ url: "http://127.0.0.1:9", userId: "hook", storage: AsyncStorage, debounceMs: 60_000 });
const { result, unmount } = renderHook(() => useVideoSession(client, { pollMs: 20 }));
const out = {};
let id;
await act(async () => {
  id = await result.current.startSession({ supportWorkerName: "Dr. Hook" });
});
out.idMatches = result.current.sessionId === id && /^[0-9a-f-]{36}$/.test(id);
await act(async () => {
  await result.current.markConnected();
  await result.current.reportQualityIssue("Audio choppy");
});
let ended;
await act(async () => {
  ended = await result.current.endSession();
});
out.ended = { sameId: ended?.sessionId === id, hasDuration: typeof ended?.duration === "number" };
out.sessionIdAfterEnd = result.current.sessionId;
await waitFor(() => {
  if (result.current.pendingCount !== 4) throw new Error(`pending ${result.current.pendingCount}`);
});
out.pendingCount = result.current.pendingCount;
out.error = result.current.error;
await act(async () => {
  await result.current.markConnected("no-such-session");
});
out.errorCode = result.current.error?.code ?? null;
unmount();
client.close();
client.free();
out.stored = [...items.keys()].filter((k) => k.includes(":op:")).length;
process.stdout.write(JSON.stringify(out));
process.exit(0);
