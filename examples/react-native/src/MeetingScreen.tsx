// The seed's video-call-meeting.tsx: connected, report a quality issue, end the call.
import { useEffect, useState } from "react";
import { Button, Text, View } from "react-native";
import type { EndSessionResult } from "video-session-sdk";
import type { UseVideoSession } from "video-session-sdk/react";

export function MeetingScreen({ session, onLeft }: { session: UseVideoSession; onLeft: () => void }) {
  const [ended, setEnded] = useState<EndSessionResult | null>(null);
  useEffect(() => {
    // The call's media connected (here: at once).
    void session.markConnected();
  }, [session.markConnected]);
  const end = async () => {
    const result = await session.endSession({ endReason: "user_ended" });
    if (result) setEnded(result);
  };
  return (
    <View>
      <Text>{session.isUsingConvex ? "Online" : `Offline: ${session.pendingCount} pending, kept on the device`}</Text>
      <Button title="Audio choppy" onPress={() => void session.reportQualityIssue("Audio choppy")} />
      <Button title="End call" onPress={end} />
      {ended ? <Text>{`Ended after ${ended.duration ?? 0} s`}</Text> : null}
      {ended ? <Button title="Back" onPress={onLeft} /> : null}
    </View>
  );
}
