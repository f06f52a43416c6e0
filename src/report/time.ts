/**
 * Dates for the report, in a given IANA time zone. Pure: "now" and the zone are arguments.
 */

const DAY_MS = 86_400_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

export type TimeBound = { ms: number } | { error: string };

/**
 * `--since` / `--until`: a duration back from now (`30m`, `12h`, `7d`, `2w`), a local date
 * (`2026-11-22`, `20261122`; `--until` includes the whole day), or an ISO date-time.
 */
export function parseTimeBound(text: string, edge: 'since' | 'until', now: number, timeZone: string): TimeBound {
  const s = text.trim();
  const relative = /^(\d+)\s*([mhdw])$/i.exec(s);
  if (relative) return { ms: now - Number(relative[1]) * (UNIT_MS[(relative[2] as string).toLowerCase()] as number) };
  const date = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (m < 1 || m > 12 || d < 1 || d > 31) return { error: `--${edge}: ${JSON.stringify(text)} is not a valid date` };
    const start = localMidnight(y, m, d, timeZone);
    return { ms: edge === 'since' ? start : localMidnight(y, m, d + 1, timeZone) - 1 };
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return { ms };
  }
  return { error: `--${edge}: ${JSON.stringify(text)} is not a duration (7d, 12h, 2w), a date (YYYY-MM-DD) or an ISO date-time` };
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localParts(ms: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** Epoch ms of 00:00 local time on that date (days past the month's end roll over). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function dayKey(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

export function monthKey(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${pad(p.month)}`;
}

/** ISO 8601 week of the local date: `2026-W47` (weeks start on Monday; week 1 holds a Thursday). */
export function isoWeekKey(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  const date = new Date(Date.UTC(p.year, p.month - 1, p.day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / DAY_MS + 1) / 7);
  return `${weekYear}-W${pad(week)}`;
}

export const BLOCK_MS = 5 * 3_600_000;

/**
 * Claude's 5-hour usage windows, as ccusage draws them: a block starts at the hour of its first
 * response (UTC hour) and takes every response until 5 hours past its start, or until a gap of 5 hours.
 */
export function assignBlocks(timestamps: readonly number[]): number[] {
  const starts: number[] = [];
  let start = -Infinity;
  let last = -Infinity;
  for (const ts of timestamps) {
    if (ts - start >= BLOCK_MS || ts - last >= BLOCK_MS) start = Math.floor(ts / 3_600_000) * 3_600_000;
    starts.push(start);
    last = ts;
  }
  return starts;
}
