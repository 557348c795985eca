/**
 * Which identity providers this deployment trusts, read from its environment
 * variables — the single place that decides whether auth is configured.
 *
 * `auth.config.ts` hands the list to Convex (which then verifies tokens), and
 * `lib/identity.ts` asks `authConfigured()` to decide whether anonymous calls are
 * refused. Both reading one function means a deployment can never trust tokens while
 * still serving anonymous callers, or the reverse. The environment is read on every
 * call, not once at import, so a test can switch auth on and off between calls.
 *
 * Providers (set the variables with `npx convex env set`, then deploy, because Convex
 * reads `auth.config.ts` at push time):
 * - Clerk: `CLERK_JWT_ISSUER_DOMAIN` (the Clerk "convex" JWT template's issuer).
 * - Convex Auth (`@convex-dev/auth`): `JWKS` (set by its setup, with
 *   `JWT_PRIVATE_KEY`); the issuer is the deployment's own `CONVEX_SITE_URL`.
 *   `CONVEX_SITE_URL` alone does not count: every deployment has it.
 * - Any other OIDC issuer: `AUTH_OIDC_DOMAIN` (+ `AUTH_OIDC_APPLICATION_ID`,
 *   default "convex").
 * - Custom JWT (RS256/ES256 only, Convex's rule): `AUTH_CUSTOM_JWT_ISSUER` and
 *   `AUTH_CUSTOM_JWT_JWKS` (+ `AUTH_CUSTOM_JWT_ALGORITHM`, default RS256, and
 *   `AUTH_CUSTOM_JWT_APPLICATION_ID`).
 */
import type { AuthProvider } from "convex/server";

/**
 * The environment variable `name`, or undefined when unset or empty. When Convex
 * evaluates `auth.config.ts` at push time, reading an unset variable throws
 * (`AuthConfigMissingEnvironmentVariable`) instead of giving undefined, so the read
 * is guarded: an optional provider whose variables are unset is simply absent.
 */
export function envVar(name: string): string | undefined {
  let value: string | undefined;
  try {
    value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env?.[name];
  } catch {
    return undefined;
  }
  return value === undefined || value === "" ? undefined : value;
}

export function authProviders(): AuthProvider[] {
  const providers: AuthProvider[] = [];
  const clerk = envVar("CLERK_JWT_ISSUER_DOMAIN");
  if (clerk !== undefined) providers.push({ domain: clerk, applicationID: "convex" });
  const site = envVar("CONVEX_SITE_URL");
  if (envVar("JWKS") !== undefined && site !== undefined) {
    providers.push({ domain: site, applicationID: "convex" });
  }
  const oidc = envVar("AUTH_OIDC_DOMAIN");
  if (oidc !== undefined) {
    providers.push({ domain: oidc, applicationID: envVar("AUTH_OIDC_APPLICATION_ID") ?? "convex" });
  }
  const issuer = envVar("AUTH_CUSTOM_JWT_ISSUER");
  const jwks = envVar("AUTH_CUSTOM_JWT_JWKS");
  if (issuer !== undefined && jwks !== undefined) {
    const applicationID = envVar("AUTH_CUSTOM_JWT_APPLICATION_ID");
    const algorithm = envVar("AUTH_CUSTOM_JWT_ALGORITHM") ?? "RS256";
    // Fails the push (auth.config.ts runs then), never a call: Convex takes only these two.
    if (algorithm !== "RS256" && algorithm !== "ES256") {
      throw new Error(`AUTH_CUSTOM_JWT_ALGORITHM must be RS256 or ES256 (got ${algorithm})`);
    }
    providers.push({
      type: "customJwt",
      issuer,
      jwks,
      algorithm,
      ...(applicationID === undefined ? {} : { applicationID }),
    });
  }
  return providers;
}

/** True when at least one provider is configured: then every call needs an identity. */
export function authConfigured(): boolean {
  return authProviders().length > 0;
}
