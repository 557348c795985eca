// Formatting of durations, clock times and dates for display.

/** Seconds → "1h 23m", "2m 05s", "45s"; null/undefined → "—". */
export function duration(secs) {
  if (secs === null || secs === undefined || Number.isNaN(secs)) return "—";
  const total = Math.max(0, Math.round(secs));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
  return `${seconds}s`;
}

/** Milliseconds → call timer "MM:SS" (or "H:MM:SS"). */
export function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
  const ss = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** An age in ms → "0.4 s", "12 s", "3 min". */
export function age(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const clockFmt = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});

/** ISO → "15 Jan · 10:30". */
export function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return `${dateFmt.format(d)} · ${timeFmt.format(d)}`;
}

/** A Date → "10:30:15" for the event log. */
export function logTime(date) {
  return clockFmt.format(date);
}

/** A Date → its local calendar day "YYYY-MM-DD". */
export function dayKey(date) {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

export function shortDay(date) {
  return dateFmt.format(date);
}

export function number(n) {
  return new Intl.NumberFormat().format(n ?? 0);
}

export function percent(fraction) {
  return `${Math.round((fraction || 0) * 100)}%`;
}
