/**
 * The identity providers Convex verifies tokens against. The list comes from the
 * deployment's environment variables (see `lib/authProviders.ts` for which ones), so
 * one source tree serves an open demo deployment and a signed-in one, and the
 * functions refuse anonymous calls exactly when this list is non-empty.
 */
import type { AuthConfig } from "convex/server";
import { authProviders } from "./lib/authProviders";

export default { providers: authProviders() } satisfies AuthConfig;
