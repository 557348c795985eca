/**
 * The shared scenarios (`tests/scenarios/*.json`) against both backends.
 *
 * The same files run twice: once on convex-test (the deployable functions in
 * `convex/functions`) and once over HTTP on the local server (`server/`). One test per
 * file per backend, named after the file, so a failure says which story broke where.
 * Every test starts from an empty database: a fresh `convexTest` instance, or a fresh
 * server process with its own SQLite file.
 */
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { afterAll, describe, expect, test, vi } from "vitest";
import { internal } from "../functions/_generated/api";
import schema from "../functions/schema";
import { modules } from "./setup";
import { loadScenarios, match, runScenario, type Driver, type ErrorRules, type Json } from "./support/scenario";
import { httpDriver, httpErrorRules, startServer, type RunningServer } from "./support/server";

const scenarios = loadScenarios();
const TIMEOUT_MS = 60_000;

/**
 * A fresh convex-test backend; `as` becomes `withIdentity({ subject })`. With `auth`,
 * each call runs with a provider configured the way a deployment configures one (an
 * environment variable `lib/authProviders.ts` reads), and only for that call.
 */
function convexTestDriver(auth: boolean): Driver {
  const t = convexTest({ schema, modules, transactionLimits: true });
  return {
    async call(kind, path, args, as) {
      const backend = as === undefined ? t : t.withIdentity({ subject: as });
      const fnArgs = args as Record<string, never>;
      if (auth) vi.stubEnv("CLERK_JWT_ISSUER_DOMAIN", "https://clerk.scenario.test");
      try {
        const value =
          kind === "query"
            ? await backend.query(makeFunctionReference<"query">(path), fnArgs)
            : await backend.mutation(makeFunctionReference<"mutation">(path), fnArgs);
        return { ok: true, value };
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const data = (e as { data?: unknown } | null)?.data;
        return data === undefined ? { ok: false, message } : { ok: false, message, data };
      } finally {
        vi.unstubAllEnvs();
      }
    },
    // The sweep's internal mutation at `now` (default timeout: no variable set), run
    // until it reports nothing more to close (the contract's "run until it has nothing
    // left to close"; each round that stops early also schedules one, which then finds
    // what the next round already closed).
    async sweepAbandoned(now) {
      try {
        for (let round = 0; round < 100; round++) {
          const { more } = await t.mutation(internal.abandonedSessions.sweep, { now });
          if (!more) return { ok: true, value: null };
        }
        return { ok: false, message: "the abandoned-session sweep did not finish in 100 rounds" };
      } catch (e) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
    },
  };
}

/** convex-test's own wording for argument validation and a missing function. */
const convexTestErrorRules: ErrorRules = {
  isValidatorMessage: (message) => /Validator error|ArgumentValidationError/.test(message),
  isUnknownFunctionMessage: (message, path) => {
    const [module, name] = path.split(":");
    return (
      message.includes(`Could not find module for: "${module}"`) ||
      message.includes(
        `Expected a Convex function exported from module "${module}" as \`${name}\`, but there is no such export`,
      )
    );
  },
};

describe("the scenario runner itself", () => {
  test("the suite is there", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(25);
  });

  const problems = (expected: Json, actual: unknown, vars: [string, unknown][] = []) => {
    const out: string[] = [];
    match(expected, actual, "$", new Map(vars), out);
    return out;
  };

  test("matchers accept what they describe", () => {
    const now = new Date().toISOString();
    expect(problems({ a: 1, b: { $absent: true } }, { a: 1, b: undefined })).toEqual([]);
    expect(problems({ $partial: true, a: 1 }, { a: 1, extra: 2 })).toEqual([]);
    expect(
      problems(
        { t: { $type: "iso" }, n: { $nearNow: 5000 }, l: { $length: 2 } },
        { t: "2024-01-15T10:30:00.000Z", n: now, l: [1, 2] },
      ),
    ).toEqual([]);
    expect(problems({ $var: "s" }, { x: [1] }, [["s", { x: [1] }]])).toEqual([]);
  });

  test("matchers reject what they do not describe", () => {
    expect(problems({ a: 1 }, { a: 1, extra: 2 })).toHaveLength(1);
    expect(problems({ a: 1, b: 2 }, { a: 1 })).toHaveLength(1);
    expect(problems({ a: { $absent: true } }, { a: null })).toHaveLength(1);
    expect(problems([1, 2], [2, 1])).toHaveLength(2);
    expect(problems({ $type: "iso" }, "2024-02-30T00:00:00Z")).toHaveLength(1);
    expect(problems({ $type: "number" }, "1")).toHaveLength(1);
    expect(problems({ $nearNow: 1000 }, "2024-01-15T10:30:00.000Z")).toHaveLength(1);
    expect(problems({ $length: 1 }, [])).toHaveLength(1);
    expect(problems({ $var: "s" }, "b", [["s", "a"]])).toHaveLength(1);
  });

  test("a step fails on the wrong kind of outcome, naming the step", async () => {
    const rules: ErrorRules = { isValidatorMessage: () => true, isUnknownFunctionMessage: () => true };
    const driver = (ok: boolean, data?: unknown): Driver => ({
      call: async () => (ok ? { ok, value: "id" } : { ok, message: "boom", data }),
    });
    const one = (step: object) => ({ name: "t", description: "", steps: [{ mutation: "m:f", ...step }] });
    await expect(runScenario(one({ expectError: { code: "NOT_FOUND" } }), driver(true), rules)).rejects.toThrow(
      /step 0/,
    );
    await expect(runScenario(one({}), driver(false), rules)).rejects.toThrow(/expected success/);
    await expect(
      runScenario(
        one({ expectError: { code: "NOT_FOUND" } }),
        driver(false, { code: "FORBIDDEN", message: "m" }),
        rules,
      ),
    ).rejects.toThrow(/FORBIDDEN/);
    await expect(
      runScenario(one({ expectError: { validator: true } }), driver(false, { code: "X", message: "m" }), rules),
    ).rejects.toThrow(/no data/);
    await expect(
      runScenario(
        one({ expectError: { code: "NOT_FOUND" } }),
        driver(false, { code: "NOT_FOUND", message: "m" }),
        rules,
      ),
    ).resolves.toBeUndefined();
  });
});

describe("scenarios on convex-test (convex/functions)", () => {
  for (const { file, scenario } of scenarios) {
    test(file, () => runScenario(scenario, convexTestDriver(scenario.auth === true), convexTestErrorRules), TIMEOUT_MS);
  }
});

describe("scenarios on the local server over HTTP (server/)", () => {
  const running = new Set<RunningServer>();
  afterAll(async () => {
    await Promise.all([...running].map((s) => s.stop()));
  });
  for (const { file, scenario } of scenarios) {
    test(
      file,
      async () => {
        // Only scenarios that sweep start the server with its test hooks.
        const testHooks = scenario.steps.some((step) => step.sweepAbandoned !== undefined);
        const server = await startServer({ auth: scenario.auth === true, testHooks });
        running.add(server);
        try {
          await runScenario(scenario, httpDriver(server), httpErrorRules);
        } finally {
          running.delete(server);
          await server.stop();
        }
      },
      TIMEOUT_MS,
    );
  }
});
