import { defineConfig } from "vitest/config";

// convex-test runs the functions in the edge runtime (the closest match to Convex's
// own V8 isolate) and must be inlined so it shares the test's module graph.
export default defineConfig({
  test: {
    environment: "edge-runtime",
    include: ["tests/**/*.test.ts"],
    server: { deps: { inline: ["convex-test"] } },
  },
});
