// One VideoSessionClient per app (one JS runtime = one sender), created once with
// AsyncStorage (React Native has no localStorage) and AppState (background delivers).
import AsyncStorage from "@react-native-async-storage/async-storage";
import { AppState } from "react-native";
import { VideoSessionClient } from "video-session-sdk";

// The Convex deployment, or the local server (`cargo run -p video-session-server`)
// reached from the emulator (10.0.2.2 on Android).
export const BACKEND_URL = "http://10.0.2.2:3210";

let opening: Promise<VideoSessionClient> | null = null;

export function openClient(userId: string): Promise<VideoSessionClient> {
  opening ??= VideoSessionClient.create({ url: BACKEND_URL, userId, storage: AsyncStorage, appState: AppState });
  return opening;
}
