// Misuses of the public types. Each line marked `// error` must be reported by tsc
// (tests/package/package.test.mjs checks the exact lines), which only happens when
// the types are real rather than `any`. Unmarked lines must be clean.
import { VideoSessionClient, type StartSessionArgs, type VideoSession, type VideoSessionClientOptions } from "video-session-sdk";
import { useVideoSession, type UseVideoSession } from "video-session-sdk/react";

export const options: VideoSessionClientOptions = {
  url: "http://127.0.0.1:3210",
  userId: 123, // error
  storage: "indexedDB", // error
};
export const start: StartSessionArgs = { supportWorkerNam: "typo" }; // error

export async function misuse(client: VideoSessionClient): Promise<void> {
  const id: number = await client.startSession({ supportWorkerName: "Dr. X" }); // error
  const [first] = await client.getUserSessions();
  const status: VideoSession["sessionStatus"] = "paused"; // error
  const hook: UseVideoSession = useVideoSession(client);
  hook.pendingCount.toUpperCase(); // error
  void id;
  void first;
  void status;
}
