// The seed's video-call.tsx: choose camera, microphone and audio route, then join.
import { useState } from "react";
import { Button, Switch, Text, View } from "react-native";
import type { UseVideoSession } from "video-session-sdk/react";

export function PreCallScreen({ session, onJoined }: { session: UseVideoSession; onJoined: () => void }) {
  const [camera, setCamera] = useState(true);
  const [mic, setMic] = useState(true);
  const join = async () => {
    const id = await session.startSession({ supportWorkerName: "Dr. Smith", audioOption: "speaker" });
    if (id === null) return; // session.error says why
    await session.updateSettings({ cameraEnabled: camera, micEnabled: mic });
    onJoined();
  };
  return (
    <View>
      <Text>Camera</Text>
      <Switch value={camera} onValueChange={setCamera} />
      <Text>Microphone</Text>
      <Switch value={mic} onValueChange={setMic} />
      <Button title={session.loading ? "Joining…" : "Join call"} onPress={join} disabled={session.loading} />
      {session.error ? <Text>{`${session.error.code}: ${session.error.message}`}</Text> : null}
    </View>
  );
}
