// The example app: the pre-call screen, then the meeting screen, on useVideoSession.
// A real app reads the user from its sign-in (the seed read it from AsyncStorage).
import { useEffect, useState } from "react";
import { Text } from "react-native";
import type { VideoSessionClient } from "video-session-sdk";
import { useVideoSession } from "video-session-sdk/react";
import { openClient } from "./src/client";
import { MeetingScreen } from "./src/MeetingScreen";
import { PreCallScreen } from "./src/PreCallScreen";

export default function App() {
  const [client, setClient] = useState<VideoSessionClient | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    openClient("user-1").then(setClient, (e: Error) => setFailure(e.message));
  }, []);
  const session = useVideoSession(client);
  const [inCall, setInCall] = useState(false);
  useEffect(() => {
    if (session.sessionId) setInCall(true); // resumed after a restart
  }, [session.sessionId]);
  if (failure) return <Text>{failure}</Text>;
  if (!client) return <Text>Loading…</Text>;
  return inCall ? (
    <MeetingScreen session={session} onLeft={() => setInCall(false)} />
  ) : (
    <PreCallScreen session={session} onJoined={() => setInCall(true)} />
  );
}
