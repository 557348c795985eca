/**
 * D1, auth configured: which environment variables configure which provider, and
 * that then every public function — queries included — refuses an anonymous caller
 * with UNAUTHENTICATED, while a Convex Auth sign-in (`user|session` subject) is the
 * same user across sessions. Without any provider, anonymous calls work (the other
 * suites pin that).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../functions/_generated/api";
import authConfig from "../../functions/auth.config";
import * as appointments from "../../functions/appointments";
import { authConfigured, authProviders } from "../../functions/lib/authProviders";
import { userKey } from "../../functions/lib/identity";
import * as videoCallSessions from "../../functions/videoCallSessions";
import { backend, expectCode, getDoc } from "./helpers";

const vcs = api.videoCallSessions;

/** Turns auth on the way a deployment does: a provider's environment variable. */
function withClerk(): void {
  vi.stubEnv("CLERK_JWT_ISSUER_DOMAIN", "https://clerk.example.com");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("auth providers from the environment", () => {
  it("none by default: auth is not configured", () => {
    expect(authProviders()).toEqual([]);
    expect(authConfigured()).toBe(false);
    expect(authConfig.providers).toEqual([]);
  });

  it("Clerk from CLERK_JWT_ISSUER_DOMAIN", () => {
    withClerk();
    expect(authProviders()).toEqual([
      { domain: "https://clerk.example.com", applicationID: "convex" },
    ]);
    expect(authConfigured()).toBe(true);
  });

  it("Convex Auth from JWKS, issued by the deployment's own site URL; the site URL alone is not auth", () => {
    vi.stubEnv("CONVEX_SITE_URL", "https://happy-otter-123.convex.site");
    expect(authConfigured()).toBe(false);
    vi.stubEnv("JWKS", '{"keys":[]}');
    expect(authProviders()).toEqual([
      { domain: "https://happy-otter-123.convex.site", applicationID: "convex" },
    ]);
  });

  it("a custom JWT issuer with RS256 by default, ES256 on request, anything else refused", () => {
    vi.stubEnv("AUTH_CUSTOM_JWT_ISSUER", "https://auth.example.com");
    vi.stubEnv("AUTH_CUSTOM_JWT_JWKS", "https://auth.example.com/.well-known/jwks.json");
    expect(authProviders()).toEqual([
      {
        type: "customJwt",
        issuer: "https://auth.example.com",
        jwks: "https://auth.example.com/.well-known/jwks.json",
        algorithm: "RS256",
      },
    ]);
    vi.stubEnv("AUTH_CUSTOM_JWT_ALGORITHM", "ES256");
    vi.stubEnv("AUTH_CUSTOM_JWT_APPLICATION_ID", "vss");
    expect(authProviders()[0]).toMatchObject({ algorithm: "ES256", applicationID: "vss" });
    vi.stubEnv("AUTH_CUSTOM_JWT_ALGORITHM", "HS256");
    expect(() => authProviders()).toThrow(/RS256 or ES256/);
  });

  it("at push time, where reading an unset variable throws, the unset providers are just absent", () => {
    const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process;
    const real = env.env;
    const set: Record<string, string> = { CLERK_JWT_ISSUER_DOMAIN: "https://clerk.example.com" };
    env.env = new Proxy(set, {
      get(target, name) {
        if (typeof name === "string" && !(name in target)) {
          throw new Error(`Environment variable ${name} is used in auth config file but its value was not set`);
        }
        return target[name as string];
      },
    });
    try {
      expect(authProviders()).toEqual([{ domain: "https://clerk.example.com", applicationID: "convex" }]);
    } finally {
      env.env = real;
    }
  });

  it("a generic OIDC issuer from AUTH_OIDC_DOMAIN", () => {
    vi.stubEnv("AUTH_OIDC_DOMAIN", "https://id.example.com");
    expect(authProviders()).toEqual([{ domain: "https://id.example.com", applicationID: "convex" }]);
  });
});

describe("the user key of an identity", () => {
  it("is the subject up to the first |", () => {
    expect(userKey("user_2abc")).toBe("user_2abc");
    expect(userKey("k57abc|k98sess")).toBe("k57abc");
    expect(userKey("a|b|c")).toBe("a");
  });
});

/** One anonymous call of every public function, with arguments that pass validation. */
const ANONYMOUS_CALLS: Record<string, (t: ReturnType<typeof backend>, sid: string) => Promise<unknown>> = {
  "videoCallSessions:startSession": (t) =>
    t.mutation(vcs.startSession, { userId: "u", supportWorkerName: "W" }),
  "videoCallSessions:markConnected": (t) => t.mutation(vcs.markConnected, { clientSessionId: "c" }),
  "videoCallSessions:endSession": (t) => t.mutation(vcs.endSession, { clientSessionId: "c" }),
  "videoCallSessions:updateSessionSettings": (t) =>
    t.mutation(vcs.updateSessionSettings, { clientSessionId: "c", micEnabled: false }),
  "videoCallSessions:reportQualityIssue": (t) =>
    t.mutation(vcs.reportQualityIssue, { clientSessionId: "c", issue: "x" }),
  "videoCallSessions:markFailed": (t) => t.mutation(vcs.markFailed, { clientSessionId: "c" }),
  "videoCallSessions:markReconnecting": (t) =>
    t.mutation(vcs.markReconnecting, { clientSessionId: "c" }),
  "videoCallSessions:markReconnected": (t) =>
    t.mutation(vcs.markReconnected, { clientSessionId: "c" }),
  "videoCallSessions:markScreenShare": (t) =>
    t.mutation(vcs.markScreenShare, { clientSessionId: "c", active: true }),
  "videoCallSessions:rateSession": (t) =>
    t.mutation(vcs.rateSession, { clientSessionId: "c", rating: 5 }),
  "videoCallSessions:reportNetworkStats": (t) =>
    t.mutation(vcs.reportNetworkStats, { clientSessionId: "c", rttMs: 80 }),
  "videoCallSessions:applyBatch": (t) => t.mutation(vcs.applyBatch, { userId: "u", ops: [] }),
  "videoCallSessions:getUserSessions": (t) => t.query(vcs.getUserSessions, { userId: "u" }),
  "videoCallSessions:getUserSessionsPage": (t) =>
    t.query(vcs.getUserSessionsPage, { userId: "u", paginationOpts: { numItems: 5, cursor: null } }),
  "videoCallSessions:getCallStats": (t) => t.query(vcs.getCallStats, { userId: "u" }),
  "videoCallSessions:getActiveSession": (t) => t.query(vcs.getActiveSession, { userId: "u" }),
  "videoCallSessions:getSession": (t) => t.query(vcs.getSession, { clientSessionId: "c" }),
  "videoCallSessions:getSupportWorkerStats": (t) => t.query(vcs.getSupportWorkerStats, {}),
  "videoCallSessions:getCallVolume": (t) =>
    t.query(vcs.getCallVolume, { granularity: "day", from: "2024-01-01", to: "2024-01-02" }),
  "videoCallSessions:getDurationTrend": (t) =>
    t.query(vcs.getDurationTrend, { granularity: "day", from: "2024-01-01", to: "2024-01-02" }),
  "videoCallSessions:getPeakHours": (t) => t.query(vcs.getPeakHours, {}),
  "videoCallSessions:getIssuesByHour": (t) => t.query(vcs.getIssuesByHour, {}),
  "videoCallSessions:getSupportWorkerLeaderboard": (t) => t.query(vcs.getSupportWorkerLeaderboard, {}),
  "appointments:create": (t) =>
    t.mutation(api.appointments.create, { userId: "u", supportWorkerName: "W" }),
  "appointments:get": (t, sid) =>
    t.query(api.appointments.get, { appointmentId: sid as never }),
};

function publicFunctions(module: string, exports: Record<string, unknown>): string[] {
  return Object.entries(exports)
    .filter(([, f]) => {
      const fn = f as { isPublic?: boolean; isQuery?: boolean; isMutation?: boolean; isAction?: boolean };
      return fn?.isPublic === true && (fn.isQuery || fn.isMutation || fn.isAction);
    })
    .map(([name]) => `${module}:${name}`)
    .sort();
}

describe("auth configured: anonymous calls are refused", () => {
  it("the list below covers every public function", () => {
    const all = [
      ...publicFunctions("videoCallSessions", videoCallSessions),
      ...publicFunctions("appointments", appointments),
    ].sort();
    expect(all).toEqual(Object.keys(ANONYMOUS_CALLS).sort());
  });

  for (const [name, call] of Object.entries(ANONYMOUS_CALLS)) {
    it(`${name} refuses an anonymous caller with UNAUTHENTICATED and changes nothing`, async () => {
      const t = backend();
      const appointmentId = await t.run(
        async (ctx) => await ctx.db.insert("appointments", { userId: "u", supportWorkerName: "W", status: "scheduled" }),
      );
      const sid = await t.mutation(vcs.startSession, {
        userId: "u",
        supportWorkerName: "W",
        supportWorkerId: "w1",
        clientSessionId: "c",
      });
      withClerk();
      await expectCode(call(t, appointmentId), "UNAUTHENTICATED");
      vi.unstubAllEnvs();
      const doc = await getDoc(t, sid);
      expect(doc!.sessionStatus).toBe("connecting");
      expect(doc!.qualityIssues).toBeUndefined();
    });
  }

  it("the same calls succeed anonymously when no provider is configured", async () => {
    const t = backend();
    const appointmentId = await t.run(
      async (ctx) => await ctx.db.insert("appointments", { userId: "u", supportWorkerName: "W", status: "scheduled" }),
    );
    for (const name of ["videoCallSessions:getUserSessions", "videoCallSessions:getSupportWorkerStats", "appointments:get"]) {
      await ANONYMOUS_CALLS[name]!(t, appointmentId);
    }
  });

  it("a signed-in caller is served, and may read any worker's aggregate counts", async () => {
    withClerk();
    const t = backend();
    const alice = t.withIdentity({ subject: "alice" });
    await alice.mutation(vcs.startSession, { supportWorkerName: "W", supportWorkerId: "w1" });
    const bob = t.withIdentity({ subject: "bob" });
    expect(await bob.query(vcs.getSupportWorkerStats, { supportWorkerId: "w1" })).toMatchObject([
      { supportWorkerId: "w1", totalSessions: 1 },
    ]);
    expect(await bob.query(vcs.getUserSessions, {})).toEqual([]);
  });

  it("a Convex Auth user keeps their sessions across sign-ins (subject user|session)", async () => {
    withClerk();
    const t = backend();
    const first = t.withIdentity({ subject: "k57user|k98sessionA" });
    const sessionId = await first.mutation(vcs.startSession, { supportWorkerName: "W" });
    expect((await getDoc(t, sessionId))!.userId).toBe("k57user");
    const again = t.withIdentity({ subject: "k57user|k98sessionB" });
    await again.mutation(vcs.markConnected, { sessionId });
    expect(await again.query(vcs.getUserSessions, {})).toHaveLength(1);
    expect(await again.query(vcs.getUserSessions, { userId: "k57user" })).toHaveLength(1);
    expect((await again.query(vcs.getCallStats, {})).totalSessions).toBe(1);
    await expectCode(
      t.withIdentity({ subject: "other|k98sessionA" }).mutation(vcs.endSession, { sessionId }),
      "FORBIDDEN",
    );
  });

  it("an identity whose user key is empty or too long is UNAUTHENTICATED", async () => {
    const t = backend();
    await expectCode(
      t.withIdentity({ subject: "|session" }).query(vcs.getUserSessions, {}),
      "UNAUTHENTICATED",
    );
    await expectCode(
      t.withIdentity({ subject: "x".repeat(201) }).query(vcs.getUserSessions, {}),
      "UNAUTHENTICATED",
    );
  });
});
