import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sessionFileName } from '../../../../src/store/open.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
/** What Claude Code runs: the committed bundle's loader. */
export const BUILT_HOOK = join(ROOT, 'dist', 'hook.cjs');

const sandboxes: string[] = [];

/** A throwaway HOME and data dir, as Claude Code would hand them to the hook. Removed by removeSandboxes(). */
export function sandbox(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), `cg-rel-${prefix}-`));
  sandboxes.push(root);
  const home = join(root, 'home');
  const dataDir = join(root, 'data');
  mkdirSync(home, { recursive: true });
  const env = { HOME: home, CLAUDE_PLUGIN_DATA: dataDir, PATH: process.env.PATH ?? '/usr/bin:/bin' };
  return { root, home, dataDir, env };
}

/** For each file's afterAll; COSTGUARD_KEEP_SANDBOX=1 keeps them for a look. */
export function removeSandboxes(): void {
  if (process.env.COSTGUARD_KEEP_SANDBOX) return;
  for (const root of sandboxes.splice(0)) rmSync(root, { recursive: true, force: true });
}

export interface HookRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node dist/hook.cjs` with `input` on stdin, as Claude Code does. */
export function runBuiltHook(input: string | Buffer, env: Record<string, string>, opts: { timeoutMs?: number; onSpawn?: (pid: number) => void; uid?: number; gid?: number } = {}): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BUILT_HOOK], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // a hook that stops reading early (over the stdin cap) closes the pipe
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('spawn', () => opts.onSpawn?.(child.pid as number));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - started });
    });
    child.stdin.end(input);
  });
}

/** Runs tasks with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A small, seedable PRNG (mulberry32): a failing fuzz run can be replayed with its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof prng>;

/** What the hook printed is nothing, or one line of JSON that Claude Code can read. */
export function parseHookStdout(stdout: string): { ok: true; json: Record<string, unknown> | undefined } | { ok: false } {
  if (stdout === '') return { ok: true, json: undefined };
  if (!stdout.endsWith('\n') || stdout.indexOf('\n') !== stdout.length - 1) return { ok: false };
  try {
    const json = JSON.parse(stdout) as unknown;
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? { ok: true, json: json as Record<string, unknown> } : { ok: false };
  } catch {
    return { ok: false };
  }
}

export function isDeny(out: unknown): boolean {
  return (out as { hookSpecificOutput?: { permissionDecision?: unknown } } | undefined)?.hookSpecificOutput?.permissionDecision === 'deny';
}

export function storePath(dataDir: string, sessionId: string): string {
  return join(dataDir, 'sessions', sessionFileName(sessionId));
}

export function openStore(dataDir: string, sessionId: string): Database.Database {
  return new Database(storePath(dataDir, sessionId), { readonly: true, fileMustExist: true });
}

/** Every file below dir (no symlinks followed). */
export function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...walk(p));
  }
  return out;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Figures the issue asks for, printed in the vitest output and collected in
 * .cache/reliability/figures-<name>.json for the notes.
 */
export function report(name: string, figures: Record<string, unknown>): void {
  const line = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v)}`)
    .join(', ');
  console.log(`[reliability] ${name}: ${line}`);
  try {
    const dir = join(ROOT, '.cache', 'reliability');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `figures-${name.replace(/[^a-z0-9]+/gi, '-')}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  } catch {
    // figures are printed above anyway
  }
}
