// The Vite configuration a React user writes; nothing SDK-specific (the point of the
// test is that the SDK's .wasm needs no plugin or special asset handling).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({ plugins: [react()] });
