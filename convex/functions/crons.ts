/**
 * Scheduled jobs: the daily sweep of dedupe records older than 14 days, and every
 * 15 minutes the sweep that closes abandoned sessions (abandonedSessions.ts).
 */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.daily("sweep processed ops", { hourUTC: 3, minuteUTC: 17 }, internal.processedOps.sweep, {});
crons.interval("close abandoned sessions", { minutes: 15 }, internal.abandonedSessions.sweep, {});

export default crons;
