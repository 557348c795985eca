// useVideoSession (video-session-sdk/react, js/react/index.js) on the React Native
// entry, in Node with WebAssembly deleted, rendered by react-test-renderer: React's
// renderer without a DOM, as React Native has none (no jsdom, no `document`, no
// `window`). React and the renderer come from js/ (the hook's test dependencies).
// Prints JSON.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../e2e/support.mjs";
import { loadBuild } from "./load.mjs";

const requireJs = createRequire(join(ROOT, "js/package.json"));
const React = requireJs("react");
const { create, act } = requireJs("react-test-renderer");
globalThis.IS_REACT_ACT_ENVIRONMENT = true;
// react-test-renderer 19 warns once that it is deprecated; the warning is not a result.
const warn = console.error;
console.error = (...a) => (String(a[0]).includes("react-test-renderer is deprecated") ? undefined : warn(...a));

// Offline: the hook's work is local (Node's own fetch would need WebAssembly).
globalThis.fetch = async () => {
  throw new TypeError("Network request failed");
};
const { sdk } = await loadBuild("rn-bare");
const { useVideoSession } = await import(pathToFileURL(join(ROOT, "js/react/index.js")).href);
if (typeof document !== "undefined" || typeof window !== "undefined") throw new Error("a DOM leaked in");

/** Renders the hook in a component and returns a box whose `current` is its latest value. */
function renderHook(useHook) {
  const result = { current: undefined };
  function Probe() {
    result.current = useHook();
    return null;
  }
  let root;
  act(() => {
    root = create(React.createElement(Probe));
  });
  return { result, unmount: () => act(() => root.unmount()) };
}

/** Polls `check` (which throws until it holds) inside act(), for up to 2 s. */
async function waitFor(check) {
  for (let i = 0; ; i++) {
    try {
      return check();
    } catch (e) {
      if (i >= 100) throw e;
      await act(() => new Promise((r) => setTimeout(r, 20)));
    }
  }
}

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
