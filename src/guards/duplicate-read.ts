import loadPicomatch from './picomatch-lazy.cjs';
import type { Config } from '../config/schema.js';
import type { ReadSpan } from './read-spans.js';
import type { Verdict } from './types.js';

/** A read this agent made earlier, still valid (not invalidated by an edit or a compaction). */
export interface PriorRead {
  path: string;
  start: number;
  end: number | null;
  /** File identity when it was read; a different one now means the file changed on disk. */
  mtimeMs: number | null;
  size: number | null;
  at: number;
  toolUseId: string;
}

export interface FileStamp {
  mtimeMs: number;
  size: number;
}

export interface DuplicateReadInput {
  agentKey: string;
  cwd: string | undefined;
  requested: readonly ReadSpan[];
  /** Earlier reads of the requested paths, by this agent. */
  priorReads: readonly PriorRead[];
  /** The files' stamps now; a missing entry means the file is gone (nothing to flag). */
  currentStamps: ReadonlyMap<string, FileStamp>;
  now: number;
}

/** Merges overlapping or adjacent spans; `end: null` runs to the end of the file. */
function mergeSpans(spans: readonly PriorRead[]): Array<{ start: number; end: number | null }> {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const merged: Array<{ start: number; end: number | null }> = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && (last.end === null || s.start <= last.end + 1)) {
      if (last.end !== null) last.end = s.end === null ? null : Math.max(last.end, s.end);
    } else merged.push({ start: s.start, end: s.end });
  }
  return merged;
}

export function isCovered(span: Pick<ReadSpan, 'start' | 'end'>, priors: readonly PriorRead[]): boolean {
  return mergeSpans(priors).some(
    (m) => m.start <= span.start && (m.end === null || (span.end !== null && m.end >= span.end)),
  );
}

function isFresh(prior: PriorRead, stamp: FileStamp | undefined): boolean {
  return stamp !== undefined && prior.mtimeMs === stamp.mtimeMs && prior.size === stamp.size;
}

function describeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  const m = Math.round(s / 60);
  return m < 90 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
}

function describeSpan(s: { start: number; end: number | null }): string {
  return s.start === 1 && s.end === null ? 'the whole file' : `lines ${s.start}-${s.end ?? 'end'}`;
}

export function compileIgnore(globs: readonly string[]): (path: string, cwd: string | undefined) => boolean {
  if (globs.length === 0) return () => false;
  const match = loadPicomatch()([...globs], { dot: true });
  return (path, cwd) => {
    if (match(path)) return true;
    if (cwd && path.startsWith(`${cwd}/`)) return match(path.slice(cwd.length + 1));
    return false;
  };
}

export function evaluateDuplicateRead(
  input: DuplicateReadInput,
  config: Config['duplicateReads'],
  isIgnored: (path: string, cwd: string | undefined) => boolean,
): Verdict | undefined {
  if (config.action === 'off' || input.requested.length === 0) return undefined;
  const evidence: string[] = [];
  for (const span of input.requested) {
    if (isIgnored(span.path, input.cwd)) return undefined;
    const stamp = input.currentStamps.get(span.path);
    const fresh = input.priorReads.filter((p) => p.path === span.path && isFresh(p, stamp));
    if (!isCovered(span, fresh)) return undefined;
    const latest = fresh.reduce((a, b) => (b.at > a.at ? b : a));
    const when = new Date(latest.at).toISOString().slice(11, 19);
    evidence.push(`${span.path} (${describeSpan(span)}), read at ${when} UTC, ${describeAge(input.now - latest.at)}`);
  }
  const what = evidence.join('; ');
  const advice = 'It has not changed on disk since, so its content is still in your context: use that earlier result instead of reading it again.';
  if (config.action === 'block') {
    return {
      guard: 'duplicateRead',
      deny: `costguard: duplicate read blocked. You already read ${what}. ${advice}`,
    };
  }
  return {
    guard: 'duplicateRead',
    context: `costguard: duplicate read. You already read ${what}. ${advice}`,
  };
}
