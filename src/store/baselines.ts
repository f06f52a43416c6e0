import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shortHash } from '../shared/hash.js';

/**
 * Per-project record of recent sessions' mean context per main-agent turn: the baseline the live
 * context-bloat guard compares a running session with. A small JSON file per project, rewritten
 * atomically at the end of each turn (Stop); two sessions ending a turn at the same instant may drop
 * one update, which a baseline of 20 sessions does not notice.
 */
interface Entry {
  session: string;
  meanContext: number;
  responses: number;
  at: number;
}

const KEEP = 200;

function fileFor(dataDir: string, project: string): string {
  return join(dataDir, 'baselines', `${shortHash(project)}.json`);
}

function read(file: string): Entry[] {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { entries?: unknown };
    return Array.isArray(data.entries) ? (data.entries as Entry[]).filter((e) => typeof e?.meanContext === 'number' && typeof e.session === 'string') : [];
  } catch {
    return [];
  }
}

export function recordSessionContext(dataDir: string, project: string, session: string, meanContext: number, responses: number, now: number): void {
  const file = fileFor(dataDir, project);
  const entries = read(file).filter((e) => e.session !== session);
  entries.push({ session, meanContext, responses, at: now });
  entries.sort((a, b) => a.at - b.at);
  mkdirSync(join(dataDir, 'baselines'), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ project, entries: entries.slice(-KEEP) }), { mode: 0o600 });
  renameSync(tmp, file);
}

/** The latest `window` other sessions' mean contexts (sessions with at least `minResponses` turns). */
export function recentSessionContexts(dataDir: string, project: string, exceptSession: string, window: number, minResponses = 3): number[] {
  return read(fileFor(dataDir, project))
    .filter((e) => e.session !== exceptSession && e.responses >= minResponses)
    .slice(-window)
    .map((e) => e.meanContext);
}
