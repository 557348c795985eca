// useVideoSession: the seed's useConvexVideoSession, on top of VideoSessionClient.
//
// Why it looks like this:
// - every method resolves once the op is durably queued (the SDK never waits for the
//   network), so `loading` is short and means "writing to storage", not "talking to
//   the backend";
// - like the seed's hook, methods never throw into a render path: a failure sets
//   `error` (an Error with a stable `code`) and the method resolves to null;
// - `pendingCount` and `isUsingConvex` (backend reachable at the last attempt) are
//   polled from the client, which keeps them in memory, so polling costs nothing
//   and works whatever `onEvent` the app installed;
// - on mount it resumes the active session (after a reload, offline too), so the
//   meeting screen can come back with the same `sessionId`;
// - the analytics reads (getCallVolume, …) go through the same bookkeeping except
//   `loading` (they write nothing): a failure sets `error` and resolves to null.
//   They are the backend's aggregates of delivered ops; offline the client answers
//   with its last answer for the same arguments, else a NETWORK error.
import { useCallback, useEffect, useRef, useState } from "react";

const POLL_MS = 500;

export function useVideoSession(client, options = {}) {
  const pollMs = options.pollMs ?? POLL_MS;
  const [sessionId, setSessionId] = useState(() => client?.currentSessionId() ?? null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState(null);
  const [pendingCount, setPendingCount] = useState(() => client?.pendingCount() ?? 0);
  const [isUsingConvex, setIsUsingConvex] = useState(() => client?.isOnline() ?? false);
  const mounted = useRef(true);

  const refresh = useCallback(() => {
    if (!client || !mounted.current) return;
    setPendingCount(client.pendingCount());
    setIsUsingConvex(client.isOnline());
  }, [client]);

  useEffect(() => {
    mounted.current = true;
    if (!client) return undefined;
    setSessionId(client.currentSessionId() ?? null);
    client.getActiveSession().then(
      (s) => {
        if (mounted.current && s) setSessionId(s.clientSessionId ?? s._id ?? null);
      },
      (e) => mounted.current && setError(e),
    );
    const timer = setInterval(refresh, pollMs);
    refresh();
    return () => {
      mounted.current = false;
      clearInterval(timer);
    };
  }, [client, pollMs, refresh]);

  // Runs one SDK call with the hook's bookkeeping; resolves to null on failure.
  const run = useCallback(
    async (call, onDone, writes = true) => {
      if (!client) {
        setError(Object.assign(new Error("no VideoSessionClient was given to useVideoSession"), { code: "CLOSED" }));
        return null;
      }
      if (writes) setLoading(true);
      try {
        const value = await call(client);
        if (mounted.current) {
          setError(null);
          onDone?.(value);
        }
        return value ?? null;
      } catch (e) {
        if (mounted.current) setError(e);
        return null;
      } finally {
        if (mounted.current) {
          if (writes) setLoading(false);
          refresh();
        }
      }
    },
    [client, refresh],
  );

  const startSession = useCallback(
    (args) => run((c) => c.startSession(args), (id) => setSessionId(id)),
    [run],
  );
  const markConnected = useCallback(
    (id) => run((c) => c.markConnected(id ?? sessionId ?? undefined)),
    [run, sessionId],
  );
  const updateSettings = useCallback(
    (args) => run((c) => c.updateSettings({ ...args, sessionId: args?.sessionId ?? sessionId ?? undefined })),
    [run, sessionId],
  );
  const reportQualityIssue = useCallback(
    (issue) => run((c) => c.reportQualityIssue(issue)),
    [run],
  );
  const endSession = useCallback(
    (args = {}) =>
      run(
        (c) => c.endSession({ ...args, sessionIdToEnd: args.sessionIdToEnd ?? sessionId ?? undefined }),
        () => setSessionId(null),
      ),
    [run, sessionId],
  );
  const markFailed = useCallback(
    (args = {}) =>
      run(
        (c) => c.markFailed({ ...args, sessionId: args.sessionId ?? sessionId ?? undefined }),
        () => setSessionId(null),
      ),
    [run, sessionId],
  );

  // The call stays the current one while it reconnects, so `sessionId` is kept.
  const markReconnecting = useCallback(
    (id) => run((c) => c.markReconnecting(id ?? sessionId ?? undefined)),
    [run, sessionId],
  );
  const markReconnected = useCallback(
    (id) => run((c) => c.markReconnected(id ?? sessionId ?? undefined)),
    [run, sessionId],
  );
  const markScreenShare = useCallback(
    (active, id) => run((c) => c.markScreenShare(active, id ?? sessionId ?? undefined)),
    [run, sessionId],
  );
  // A sample of the hook's call (or `sessionId` given in it), folded on the device.
  const reportNetworkStats = useCallback(
    (sample) => run((c) => c.reportNetworkStats({ ...sample, sessionId: sample?.sessionId ?? sessionId ?? undefined })),
    [run, sessionId],
  );
  // After endSession the hook's sessionId is null: without an id the client rates
  // the session it most recently ended or failed (the post-call screen).
  const rateSession = useCallback((args) => run((c) => c.rateSession(args)), [run]);

  // Analytics reads: `run` without `loading`, which means "writing to storage".
  const read = useCallback(
    (call) => run(call, undefined, false),
    [run],
  );
  const getCallVolume = useCallback((args) => read((c) => c.getCallVolume(args)), [read]);
  const getDurationTrend = useCallback((args) => read((c) => c.getDurationTrend(args)), [read]);
  const getPeakHours = useCallback(() => read((c) => c.getPeakHours()), [read]);
  const getIssuesByHour = useCallback(() => read((c) => c.getIssuesByHour()), [read]);
  const getSupportWorkerLeaderboard = useCallback(
    (args) => read((c) => c.getSupportWorkerLeaderboard(args)),
    [read],
  );

  return {
    sessionId,
    loading,
    error,
    isUsingConvex,
    pendingCount,
    startSession,
    markConnected,
    updateSettings,
    reportQualityIssue,
    endSession,
    markFailed,
    markReconnecting,
    markReconnected,
    markScreenShare,
    rateSession,
    reportNetworkStats,
    getCallVolume,
    getDurationTrend,
    getPeakHours,
    getIssuesByHour,
    getSupportWorkerLeaderboard,
  };
}
