// A React page as an SDK user writes it: `init()` + `VideoSessionClient.create` from
// the package root, `useVideoSession` from `video-session-sdk/react`. The backend is
// the page's own origin (the test serves the build with the local server's --www), the
// user comes from `?user=`. Everything the test checks is in data-testid attributes.
import { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import init, { VideoSessionClient } from "video-session-sdk";
import { useVideoSession } from "video-session-sdk/react";

const userId = new URLSearchParams(location.search).get("user") ?? "vite-user";

function useClient() {
  const [client, setClient] = useState(null);
  const [failure, setFailure] = useState(null);
  useEffect(() => {
    let made = null;
    let cancelled = false;
    init()
      .then(() => VideoSessionClient.create({ url: location.origin, userId, debounceMs: 0 }))
      .then((c) => {
        made = c;
        if (cancelled) c.close();
        else setClient(c);
      })
      .catch((e) => setFailure(`${e.code ?? e.name}: ${e.message}`));
    return () => {
      cancelled = true;
      made?.close();
    };
  }, []);
  return { client, failure };
}

function Call({ client }) {
  const call = useVideoSession(client, { pollMs: 100 });
  const [result, setResult] = useState(null);

  async function run() {
    const id = await call.startSession({ supportWorkerName: "Dr. Vite", supportWorkerId: "vite-worker", audioOption: "wifi" });
    if (!id) return;
    await call.markConnected(id);
    const ended = await call.endSession({ endReason: "user_ended" });
    setResult(ended);
  }

  return (
    <main>
      <button data-testid="run-call" onClick={run} disabled={call.loading}>
        Start and end a call
      </button>
      <p>
        session <span data-testid="session-id">{call.sessionId ?? ""}</span>, pending{" "}
        <span data-testid="pending" data-value={call.pendingCount}>
          {call.pendingCount}
        </span>
      </p>
      {call.error && <p data-testid="error">{`${call.error.code}: ${call.error.message}`}</p>}
      {result && (
        <p data-testid="result" data-session-id={result.sessionId} data-duration={result.duration ?? ""}>
          ended {result.sessionId} after {result.duration ?? 0} s
        </p>
      )}
    </main>
  );
}

function App() {
  const { client, failure } = useClient();
  useEffect(() => {
    document.body.dataset.state = failure ? "error" : client ? "ready" : "loading";
  }, [client, failure]);
  if (failure) return <p data-testid="failure">{failure}</p>;
  if (!client) return <p>loading the SDK…</p>;
  return <Call client={client} />;
}

createRoot(document.getElementById("root")).render(<App />);
