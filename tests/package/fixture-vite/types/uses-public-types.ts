// Correct use of the package's public types; must type-check under --strict.
import init, {
  VideoSessionClient,
  type EndSessionResult,
  type ErrorCode,
  type StartSessionArgs,
  type VideoSession,
  type VideoSessionClientOptions,
  type VideoSessionError,
  type VideoSessionEvent,
} from "video-session-sdk";
import { useVideoSession, type UseVideoSession } from "video-session-sdk/react";

const seen: VideoSessionEvent[] = [];
const options: VideoSessionClientOptions = {
  url: "http://127.0.0.1:3210",
  userId: "user123",
  storage: "memory",
  debounceMs: 0,
  onEvent: (event) => {
    if (event.type === "dropped") console.warn(event.opId, event.code);
    seen.push(event);
  },
};
const start: StartSessionArgs = { supportWorkerName: "Dr. Sarah Smith", supportWorkerId: "worker456", metadata: { room: 7 } };

export async function track(): Promise<number | undefined> {
  await init();
  const client = await VideoSessionClient.create(options);
  const id: string = await client.startSession(start);
  await client.markConnected(id);
  const sessions: VideoSession[] = await client.getUserSessions({ limit: 5 });
  const statuses: Array<VideoSession["sessionStatus"]> = sessions.map((s) => s.sessionStatus);
  const ended: EndSessionResult = await client.endSession({ sessionIdToEnd: id, endReason: "user_ended" });
  const { pending } = await client.flush();
  client.close();
  return statuses.length + pending + (ended.duration ?? 0);
}

export function codeOf(err: VideoSessionError): ErrorCode {
  return err.code;
}

export function useCall(client: VideoSessionClient | null): UseVideoSession {
  const call = useVideoSession(client, { pollMs: 250 });
  const pending: number = call.pendingCount;
  const id: string | null = call.sessionId;
  void pending;
  void id;
  return call;
}
