import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

// jsdom gives the SDK a real `window` with `localStorage`; fetch is Node's own, so
// the client talks to the real local backend over loopback. `video-session-sdk` is
// the built package in ../pkg (scripts/build-wasm.sh), as an app would import it.
export default defineConfig({
  resolve: {
    alias: { "video-session-sdk": resolve(import.meta.dirname, "../pkg/video_session_sdk.js") },
  },
  server: { fs: { allow: [resolve(import.meta.dirname, "..")] } },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.js"],
    testTimeout: 20000,
    hookTimeout: 60000,
  },
});
