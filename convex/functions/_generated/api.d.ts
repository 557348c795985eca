/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as abandonedSessions from "../abandonedSessions.js";
import type * as appointments from "../appointments.js";
import type * as crons from "../crons.js";
import type * as lib_analytics from "../lib/analytics.js";
import type * as lib_analyticsQueries from "../lib/analyticsQueries.js";
import type * as lib_analyticsStats from "../lib/analyticsStats.js";
import type * as lib_authProviders from "../lib/authProviders.js";
import type * as lib_batch from "../lib/batch.js";
import type * as lib_batchArgs from "../lib/batchArgs.js";
import type * as lib_budget from "../lib/budget.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_identity from "../lib/identity.js";
import type * as lib_lifecycle from "../lib/lifecycle.js";
import type * as lib_network from "../lib/network.js";
import type * as lib_ops from "../lib/ops.js";
import type * as lib_sessionRef from "../lib/sessionRef.js";
import type * as lib_single from "../lib/single.js";
import type * as lib_stats from "../lib/stats.js";
import type * as lib_validate from "../lib/validate.js";
import type * as lib_watermarks from "../lib/watermarks.js";
import type * as processedOps from "../processedOps.js";
import type * as videoCallSessions from "../videoCallSessions.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  abandonedSessions: typeof abandonedSessions;
  appointments: typeof appointments;
  crons: typeof crons;
  "lib/analytics": typeof lib_analytics;
  "lib/analyticsQueries": typeof lib_analyticsQueries;
  "lib/analyticsStats": typeof lib_analyticsStats;
  "lib/authProviders": typeof lib_authProviders;
  "lib/batch": typeof lib_batch;
  "lib/batchArgs": typeof lib_batchArgs;
  "lib/budget": typeof lib_budget;
  "lib/errors": typeof lib_errors;
  "lib/identity": typeof lib_identity;
  "lib/lifecycle": typeof lib_lifecycle;
  "lib/network": typeof lib_network;
  "lib/ops": typeof lib_ops;
  "lib/sessionRef": typeof lib_sessionRef;
  "lib/single": typeof lib_single;
  "lib/stats": typeof lib_stats;
  "lib/validate": typeof lib_validate;
  "lib/watermarks": typeof lib_watermarks;
  processedOps: typeof processedOps;
  videoCallSessions: typeof videoCallSessions;
}>;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {};
