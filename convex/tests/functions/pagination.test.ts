/**
 * getUserSessionsPage as `usePaginatedQuery` reads it (convex 1.48,
 * `react/use_paginated_query.js`): the hook splits a page only when the result has a
 * `splitCursor` and `pageStatus` is `SplitRecommended` or `SplitRequired` (or the
 * page grew past twice `initialNumItems`), reads the halves as `(cursor,
 * splitCursor]` and `(splitCursor, continueCursor]` through `endCursor`, and shows
 * nothing of a `SplitRequired` page until its split has landed. The hook itself
 * needs React and a live client, so `readLikeTheHook` follows those rules against the
 * query — and a test reads them from the installed package's hook source, so a
 * convex upgrade that changes them fails here; convex-test produces real splits when
 * a page is read with `maximumRowsRead`, as a deployment does at its read limits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../functions/_generated/api";
import type { Id } from "../../functions/_generated/dataModel";
import { type Backend, at, backend, startAt } from "./helpers";

const vcs = api.videoCallSessions;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2024-01-15T12:00:00.000Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

type Opts = { numItems: number; cursor: string | null; endCursor?: string | null; maximumRowsRead?: number };

async function page(t: Backend, paginationOpts: Opts) {
  return await t.query(vcs.getUserSessionsPage, { userId: "user123", paginationOpts });
}

/** Every session, read page by page under the hook's split rules. */
async function readLikeTheHook(t: Backend, numItems: number, maximumRowsRead: number) {
  const shown: Id<"videoCallSessions">[] = [];
  let splits = 0;
  let cursor: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const result = await page(t, { numItems, cursor, maximumRowsRead });
    const split =
      result.splitCursor &&
      (result.pageStatus === "SplitRecommended" ||
        result.pageStatus === "SplitRequired" ||
        result.page.length > numItems * 2);
    if (split) {
      splits += 1;
      const halves = [
        { numItems, cursor, endCursor: result.splitCursor },
        { numItems, cursor: result.splitCursor!, endCursor: result.continueCursor },
      ];
      for (const half of halves) shown.push(...(await page(t, half)).page.map((s) => s._id));
    } else {
      // A SplitRequired page without a split cursor would be held back forever.
      expect(result.pageStatus).not.toBe("SplitRequired");
      shown.push(...result.page.map((s) => s._id));
    }
    if (result.isDone) return { shown, splits };
    cursor = result.continueCursor;
  }
  throw new Error("pagination did not finish");
}

/** The installed convex package's hook, as text: the rules above are read from it. */
const hookSource = Object.values(
  import.meta.glob("../../node_modules/convex/dist/esm/react/use_paginated_query.js", {
    query: "?raw",
    import: "default",
    eager: true,
  }),
)[0] as string;

describe("getUserSessionsPage for usePaginatedQuery", () => {
  it("the rules readLikeTheHook follows are the installed hook's (convex 1.48)", () => {
    const compact = hookSource.replace(/\s+/g, " ");
    expect(compact).toContain(
      'currResult.splitCursor && (currResult.pageStatus === "SplitRecommended" || currResult.pageStatus === "SplitRequired" || currResult.page.length > options.initialNumItems * 2)',
    );
    expect(compact).toContain('if (currResult.pageStatus === "SplitRequired") { return [allItems, void 0, void 0]; }');
    expect(compact).toContain("endCursor: splitCursor");
    expect(compact).toContain("cursor: splitCursor, endCursor: continueCursor");
  });

  it("returns splitCursor and pageStatus (null when no split is needed)", async () => {
    const t = backend();
    await startAt(t, "user123", { occurredAt: at(0) });
    const result = await page(t, { numItems: 5, cursor: null });
    expect(Object.keys(result).sort()).toEqual(["continueCursor", "isDone", "page", "pageStatus", "splitCursor"]);
    expect(result.pageStatus).toBeNull();
    expect(result.splitCursor).toBeNull();
  });

  it("a page that hits the read limit says SplitRequired and where to split", async () => {
    const t = backend();
    for (let i = 0; i < 10; i++) await startAt(t, "user123", { occurredAt: at(i) });
    const result = await page(t, { numItems: 10, cursor: null, maximumRowsRead: 4 });
    expect(result.pageStatus).toBe("SplitRequired");
    expect(typeof result.splitCursor).toBe("string");
  });

  it("a reader following the hook's rules sees every session once, newest first, across splits", async () => {
    const t = backend();
    const ids: Id<"videoCallSessions">[] = [];
    for (let i = 0; i < 23; i++) ids.push(await startAt(t, "user123", { occurredAt: at(i) }));
    await startAt(t, "someone-else", { occurredAt: at(30) });
    const { shown, splits } = await readLikeTheHook(t, 10, 6);
    expect(splits).toBeGreaterThan(0);
    expect(shown).toEqual([...ids].reverse());
  });

  it("an endCursor page covers exactly (cursor, endCursor], whatever numItems says", async () => {
    const t = backend();
    const ids: Id<"videoCallSessions">[] = [];
    for (let i = 0; i < 6; i++) ids.push(await startAt(t, "user123", { occurredAt: at(i) }));
    const first = await page(t, { numItems: 2, cursor: null });
    const second = await page(t, { numItems: 2, cursor: first.continueCursor });
    const reloaded = await page(t, { numItems: 1, cursor: null, endCursor: second.continueCursor });
    expect(reloaded.page.map((s) => s._id)).toEqual([ids[5], ids[4], ids[3], ids[2]]);
    expect(reloaded.continueCursor).toBe(second.continueCursor);
  });
});
