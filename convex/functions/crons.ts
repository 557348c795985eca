/**
 * Scheduled jobs: the daily sweep of dedupe records older than 14 days.
 */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.daily("sweep processed ops", { hourUTC: 3, minuteUTC: 17 }, internal.processedOps.sweep, {});

export default crons;
