/**
 * The shared scenario runner: one engine, two backends.
 *
 * A scenario (`tests/scenarios/*.json`, format in docs/contract.md "Scenario files")
 * is a list of calls with expected outcomes. The runner substitutes saved values
 * (`{"$var": name}`) into arguments, hands the call to a `Driver` (convex-test or the
 * local server over HTTP), and compares the outcome with the step's matcher. Drivers
 * only translate a call into their backend's terms and report what came back as a
 * `CallOutcome`; everything that decides pass or fail lives here, so both backends
 * are judged by exactly the same rules.
 *
 * Invariants: a step without `expect`/`expectError` must succeed; objects are compared
 * with exactly the listed keys unless `"$partial": true`; a key whose value is
 * `undefined` counts as absent (Convex drops such fields); on the first mismatch the
 * scenario stops with a message naming the step, the path, expected and actual.
 * A scenario with `"auth": true` runs on a backend with auth configured (convex-test:
 * a provider's environment variable; the server: a JWT secret), where anonymous calls
 * are refused; only such scenarios may use `as`.
 * Steps may carry a `note` (an addition to the contract's format: a label shown in
 * failure messages, ignored otherwise); any other unknown step key is an error, so a
 * misspelt `expect` cannot silently turn a check into "must succeed". A step
 * `{"sweepAbandoned": {"now": iso}}` runs the backend's abandoned-session sweep at
 * that time (`Driver.sweepAbandoned`) and must succeed.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a backend says about one call. `data` is a ConvexError's payload, if any. */
export type CallOutcome = { ok: true; value: unknown } | { ok: false; message: string; data?: unknown };

export type CallKind = "query" | "mutation";

/** How a backend is reached. `as` is the identity's subject, absent = anonymous. */
export interface Driver {
  call(kind: CallKind, path: string, args: unknown, as?: string): Promise<CallOutcome>;
  /**
   * Runs the abandoned-session sweep as if the time were `now` (an ISO time), with
   * the default timeout, until it has nothing left to close (step `sweepAbandoned`).
   */
  sweepAbandoned?(now: string): Promise<CallOutcome>;
}

export type ErrorMatcher = { code: string } | { validator: true } | { unknownFunction: true };

export interface Step {
  /** Instead of `mutation`/`query`: the backend's abandoned-session sweep at `now`. */
  sweepAbandoned?: { now: string };
  mutation?: string;
  query?: string;
  args?: Json;
  as?: string;
  expect?: Json;
  expectError?: ErrorMatcher;
  save?: Record<string, string>;
  note?: string;
}

export interface Scenario {
  name: string;
  description: string;
  /** Run with auth configured (a provider / a server secret); needed by `as` steps. */
  auth?: boolean;
  steps: Step[];
}

export interface ScenarioFile {
  file: string;
  scenario: Scenario;
}

/** Rules for recognising the two error kinds without data, per backend. */
export interface ErrorRules {
  /** True when `message` is an argument-validation failure. */
  isValidatorMessage(message: string): boolean;
  /** True when `message` says the function `path` does not exist. */
  isUnknownFunctionMessage(message: string, path: string): boolean;
}

/**
 * Every scenario file of `tests/scenarios/` (repository root), sorted by file name and
 * shape-checked. Vite's glob loads them, so the list is fixed when the suite starts.
 */
export function loadScenarios(): ScenarioFile[] {
  const files = import.meta.glob("../../../tests/scenarios/*.json", { eager: true, import: "default" });
  return Object.entries(files)
    .map(([path, parsed]) => {
      const file = path.slice(path.lastIndexOf("/") + 1);
      return { file, scenario: checkShape(file, parsed) };
    })
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function checkShape(file: string, raw: unknown): Scenario {
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  if (!isObject(raw)) fail("top level must be an object");
  const s = raw as Record<string, unknown>;
  if (typeof s.name !== "string" || typeof s.description !== "string") fail("needs string `name` and `description`");
  if (!Array.isArray(s.steps) || s.steps.length === 0) fail("needs a non-empty `steps` array");
  if (s.auth !== undefined && typeof s.auth !== "boolean") fail("`auth` must be a boolean");
  for (const k of Object.keys(s)) {
    if (!["name", "description", "auth", "steps"].includes(k)) fail(`unknown top-level key ${k}`);
  }
  (s.steps as unknown[]).forEach((step, i) => {
    if (!isObject(step)) fail(`step ${i} is not an object`);
    const st = step as Record<string, unknown>;
    if (st.sweepAbandoned !== undefined) {
      const sweep = st.sweepAbandoned;
      const keys = isObject(sweep) ? Object.keys(sweep) : [];
      if (!isObject(sweep) || keys.length !== 1 || typeof sweep.now !== "string" || !isIso(sweep.now)) {
        fail(`step ${i}: sweepAbandoned must be {"now": "<iso>"}`);
      }
      for (const k of Object.keys(st)) {
        if (k !== "sweepAbandoned" && k !== "note") fail(`step ${i}: sweepAbandoned takes only a note, not ${k}`);
      }
      return;
    }
    const hasQ = typeof st.query === "string";
    const hasM = typeof st.mutation === "string";
    if (hasQ === hasM) fail(`step ${i} needs exactly one of \`query\` / \`mutation\``);
    if (st.expect !== undefined && st.expectError !== undefined)
      fail(`step ${i} has both \`expect\` and \`expectError\``);
    if (st.expectError !== undefined && st.save !== undefined) fail(`step ${i} saves from a call that must fail`);
    const known = ["mutation", "query", "args", "as", "expect", "expectError", "save", "note"];
    for (const k of Object.keys(st)) if (!known.includes(k)) fail(`step ${i} has unknown key ${k}`);
    // Without auth configured no backend accepts an identity (the server refuses any token).
    if (st.as !== undefined && s.auth !== true) fail(`step ${i} calls \`as\` an identity: set "auth": true`);
  });
  return raw as Scenario;
}

/** Thrown on the first step whose outcome does not match. */
export class ScenarioMismatch extends Error {}

/** Runs every step of `scenario` on `driver`; throws `ScenarioMismatch` on the first mismatch. */
export async function runScenario(scenario: Scenario, driver: Driver, rules: ErrorRules): Promise<void> {
  const vars = new Map<string, unknown>();
  for (const [index, step] of scenario.steps.entries()) {
    if (step.sweepAbandoned !== undefined) {
      const { now } = step.sweepAbandoned;
      const where = `step ${index} (sweepAbandoned at ${now}${step.note ? ` — ${step.note}` : ""})`;
      if (driver.sweepAbandoned === undefined) throw new Error(`${scenario.name}: ${where}: this driver cannot sweep`);
      const outcome = await driver.sweepAbandoned(now);
      if (!outcome.ok) {
        throw new ScenarioMismatch(
          `${scenario.name}: ${where}\n  expected success, got error: ${outcome.message}` +
            (outcome.data !== undefined ? ` data=${show(outcome.data)}` : ""),
        );
      }
      continue;
    }
    const kind: CallKind = step.mutation !== undefined ? "mutation" : "query";
    const path = (step.mutation ?? step.query) as string;
    const where = `step ${index} (${kind} ${path}${step.as ? ` as ${step.as}` : ""}${step.note ? ` — ${step.note}` : ""})`;
    const args = substitute(step.args ?? {}, vars, where);
    const outcome = await driver.call(kind, path, args, step.as);
    const problems: string[] = [];
    if (step.expectError !== undefined) {
      checkError(step.expectError, outcome, path, rules, problems);
    } else if (!outcome.ok) {
      problems.push(
        `expected success, got error: ${outcome.message}` +
          (outcome.data !== undefined ? ` data=${show(outcome.data)}` : ""),
      );
    } else if (step.expect !== undefined) {
      match(step.expect, outcome.value, "$", vars, problems);
    }
    if (problems.length > 0) {
      const got = outcome.ok ? show(outcome.value) : `error ${show({ message: outcome.message, data: outcome.data })}`;
      throw new ScenarioMismatch(
        `${scenario.name}: ${where}\n  ${problems.slice(0, 8).join("\n  ")}` +
          `\n  args: ${show(args)}\n  actual outcome: ${got}`,
      );
    }
    if (step.save && outcome.ok) {
      for (const [name, p] of Object.entries(step.save)) vars.set(name, pick(outcome.value, p, where));
    }
  }
}

function checkError(
  expected: ErrorMatcher,
  outcome: CallOutcome,
  path: string,
  rules: ErrorRules,
  problems: string[],
): void {
  if (outcome.ok) {
    problems.push(`expected error ${show(expected)}, got success`);
    return;
  }
  if ("code" in expected) {
    const data = outcome.data;
    if (!isObject(data)) {
      problems.push(`expected a ConvexError with code ${expected.code}, got an error without data: ${outcome.message}`);
    } else if (data.code !== expected.code) {
      problems.push(`error code: expected ${expected.code}, actual ${show(data.code)}`);
    } else if (typeof data.message !== "string") {
      problems.push(`error data.message: expected a string, actual ${show(data.message)}`);
    }
  } else if ("validator" in expected) {
    if (outcome.data !== undefined)
      problems.push(`expected an argument-validation error (no data), got data ${show(outcome.data)}`);
    else if (!rules.isValidatorMessage(outcome.message))
      problems.push(`expected an argument-validation error, got message: ${outcome.message}`);
  } else if ("unknownFunction" in expected) {
    if (outcome.data !== undefined)
      problems.push(`expected an unknown-function error (no data), got data ${show(outcome.data)}`);
    else if (!rules.isUnknownFunctionMessage(outcome.message, path))
      problems.push(`expected an unknown-function error, got message: ${outcome.message}`);
  } else {
    problems.push(`unknown expectError matcher ${show(expected)}`);
  }
}

/** Replaces every `{"$var": name}` in `value` by the saved value. */
export function substitute(value: Json, vars: Map<string, unknown>, where: string): unknown {
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars, where));
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$var") {
      const name = value.$var as string;
      if (!vars.has(name)) throw new Error(`${where}: $var ${name} was never saved`);
      return vars.get(name);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = substitute(value[k] as Json, vars, where);
    return out;
  }
  return value;
}

/** Follows a dot-separated path (`""` = the whole value). */
export function pick(value: unknown, path: string, where: string): unknown {
  if (path === "") return value;
  let cur: unknown = value;
  for (const key of path.split(".")) {
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else throw new Error(`${where}: cannot save path ${path}: ${key} not found in ${show(cur)}`);
    if (cur === undefined) throw new Error(`${where}: cannot save path ${path}: ${key} is missing`);
  }
  return cur;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const MATCHER_KEYS = ["$var", "$type", "$nearNow", "$length", "$absent"];

/**
 * Compares `actual` with the matcher `expected`, appending one line per difference
 * to `problems` (path, expected, actual).
 */
export function match(
  expected: Json,
  actual: unknown,
  path: string,
  vars: Map<string, unknown>,
  problems: string[],
): void {
  const diff = (what: string) => problems.push(`at ${path}: ${what}`);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return void diff(`expected an array of ${expected.length}, actual ${show(actual)}`);
    if (actual.length !== expected.length)
      return void diff(`expected ${expected.length} items, actual ${actual.length}: ${show(actual)}`);
    expected.forEach((e, i) => match(e, actual[i], `${path}[${i}]`, vars, problems));
    return;
  }
  if (isObject(expected)) {
    const keys = Object.keys(expected);
    if (keys.length === 1 && MATCHER_KEYS.includes(keys[0])) return matchSpecial(expected, actual, diff, vars);
    if (!isObject(actual)) return void diff(`expected an object, actual ${show(actual)}`);
    const partial = expected.$partial === true;
    for (const k of keys) {
      if (k === "$partial") continue;
      const e = expected[k] as Json;
      const present = actual[k] !== undefined;
      if (isObject(e) && e.$absent === true && Object.keys(e).length === 1) {
        if (present) diff(`key ${k} must be absent, actual ${show(actual[k])}`);
      } else if (!present) {
        diff(`missing key ${k} (expected ${show(e)})`);
      } else {
        match(e, actual[k], `${path}.${k}`, vars, problems);
      }
    }
    if (!partial) {
      const extra = Object.keys(actual).filter((k) => actual[k] !== undefined && !keys.includes(k));
      if (extra.length > 0) diff(`unexpected keys ${extra.join(", ")} (add "$partial": true to allow)`);
    }
    return;
  }
  if (actual !== expected) diff(`expected ${show(expected)}, actual ${show(actual)}`);
}

function matchSpecial(
  expected: Record<string, Json>,
  actual: unknown,
  diff: (what: string) => void,
  vars: Map<string, unknown>,
): void {
  if ("$var" in expected) {
    const name = expected.$var as string;
    if (!vars.has(name)) return void diff(`$var ${name} was never saved`);
    if (!deepEqual(vars.get(name), actual))
      diff(`expected $var ${name} = ${show(vars.get(name))}, actual ${show(actual)}`);
  } else if ("$type" in expected) {
    const want = expected.$type;
    const got = actual === null ? "null" : Array.isArray(actual) ? "array" : typeof actual;
    const ok = want === "iso" ? typeof actual === "string" && isIso(actual) : got === want;
    if (!ok) diff(`expected a value of type ${want}, actual ${show(actual)}`);
  } else if ("$nearNow" in expected) {
    const ms = expected.$nearNow as number;
    if (typeof actual !== "string" || !isIso(actual))
      return void diff(`expected an ISO time near now, actual ${show(actual)}`);
    const off = Math.abs(Date.parse(actual) - Date.now());
    if (!(off <= ms))
      diff(`expected an ISO time within ${ms} ms of now (${new Date().toISOString()}), actual ${actual}`);
  } else if ("$length" in expected) {
    if (!Array.isArray(actual)) return void diff(`expected an array of ${expected.$length}, actual ${show(actual)}`);
    if (actual.length !== expected.$length) diff(`expected ${expected.$length} items, actual ${actual.length}`);
  } else if ("$absent" in expected) {
    diff(`{"$absent": true} is only meaningful as an object key's value`);
  }
}

/** The contract's timestamp form, calendar-valid (Date.parse alone accepts Feb 30). */
function isIso(s: string): boolean {
  if (!ISO_RE.test(s)) return false;
  const ms = Date.parse(s);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === s.slice(0, 19);
}

function deepEqual(a: unknown, b: unknown): boolean {
  const probs: string[] = [];
  match(toJson(a), b, "$", new Map(), probs);
  return probs.length === 0;
}

/** A saved value as a plain matcher: its `$`-keys cannot occur in Convex values we compare. */
function toJson(v: unknown): Json {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as Json);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return "undefined";
  const s = JSON.stringify(v);
  return s.length > 600 ? `${s.slice(0, 600)}…` : s;
}
