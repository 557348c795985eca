// A Node user's script, run from a temp project that installed the packed tarball:
// `init()` with no argument must find the .wasm itself (the package's `node` export
// condition), the client must run a call against the backend given as argv[2], and the
// process must exit by itself once the client is closed. Prints one JSON line.
import init, { VideoSessionClient } from "video-session-sdk";
import { useVideoSession } from "video-session-sdk/react";

const [url, userId] = process.argv.slice(2);
await init();
const client = await VideoSessionClient.create({ url, userId, storage: "memory", debounceMs: 0 });
const sessionId = await client.startSession({ supportWorkerName: "Dr. Node", supportWorkerId: "node-worker" });
await client.markConnected(sessionId);
const ended = await client.endSession({ endReason: "user_ended" });
const flushed = await client.flush();
const pending = client.pendingCount();
client.close();
console.log(JSON.stringify({ sessionId, ended, flushed, pending, hook: typeof useVideoSession }));
