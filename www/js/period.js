// The dashboard's period: a granularity (day, week, month) and a range of local dates
// `from`–`to` (`YYYY-MM-DD`), what getCallVolume and getDurationTrend take. Switching
// the granularity resets the range to that granularity's usual window ending today;
// the bucket names the backend returns (`YYYY-MM-DD` for a day or a week's Monday,
// `YYYY-MM` for a month) are turned into short labels here.
import { dayKey } from "./format.js";

/** The default range for `granularity`, ending at `today` (a local Date): the last 14
 * days, 12 weeks or 12 months. */
export function defaultRange(granularity, today = new Date()) {
  const y = today.getFullYear();
  const m = today.getMonth();
  const d = today.getDate();
  const from = {
    day: new Date(y, m, d - 13),
    week: new Date(y, m, d - 7 * 11),
    month: new Date(y, m - 11, 1),
  }[granularity];
  return { from: dayKey(from), to: dayKey(today) };
}

/** `YYYY-MM-DD` or `YYYY-MM` → a local Date (noon, clear of DST edges). */
function parse(bucket) {
  const [y, m, d = 1] = bucket.split("-").map(Number);
  return new Date(y, m - 1, d, 12);
}

const dayFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const monthFmt = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric" });

/** A bucket's short label: "1 Dec", "w/c 30 Nov", "Dec 2026". */
export function bucketLabel(granularity, bucket) {
  const date = parse(bucket);
  if (granularity === "month") return monthFmt.format(date);
  return granularity === "week" ? `w/c ${dayFmt.format(date)}` : dayFmt.format(date);
}

/** The range as a sentence: "18 Nov – 1 Dec, by day". */
export function rangeText({ granularity, from, to }) {
  return `${dayFmt.format(parse(from))} – ${dayFmt.format(parse(to))}, by ${granularity}`;
}
