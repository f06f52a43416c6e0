/**
 * Run the real `claude` CLI (pinned, installed by global-setup.ts) headless against the fake API,
 * in a throwaway HOME, and collect what it printed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';

/** Path of the pinned claude binary (from globalSetup's `provide`, or COSTGUARD_E2E_CLAUDE_BIN). */
export function claudeBin(): string {
  let bin: string | undefined;
  try {
    bin = inject('claudeBin');
  } catch {
    // Not inside a vitest worker.
  }
  bin ??= process.env.COSTGUARD_E2E_CLAUDE_BIN;
  if (!bin) throw new Error('claude binary unknown: run through `vitest --project e2e` (globalSetup) or set COSTGUARD_E2E_CLAUDE_BIN');
  return bin;
}

// ---------------------------------------------------------------------------------------------
// Sandbox

export interface Sandbox {
  /** Temp root holding everything below. */
  root: string;
  /** Throwaway HOME (`~/.claude`, `~/.claude.json` land here). */
  home: string;
  /** Project directory (the session's cwd). */
  project: string;
  /** Remove the temp root (kept when COSTGUARD_E2E_KEEP=1, for debugging). */
  cleanup(): void;
}

/**
 * Create a temp HOME and project dir. Paths are realpath'd (macOS /tmp is a symlink) so they match
 * the `cwd` Claude Code reports and the transcript directory it derives from it.
 */
export function makeSandbox(name = 'costguard-e2e'): Sandbox {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`)));
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(project, { recursive: true });
  return {
    root,
    home,
    project,
    cleanup() {
      if (process.env.COSTGUARD_E2E_KEEP === '1') {
        console.warn(`[e2e] keeping sandbox ${root}`);
        return;
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Transcripts

/** Claude Code's project directory name for a cwd: every non-alphanumeric char becomes `-`. */
export function projectSlug(cwd: string): string {
  const slug = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  // Longer slugs are cut at 200 chars plus a hash suffix; findTranscript() does not rely on this.
  return slug;
}

/** `HOME/.claude/projects/<slug>/<sessionId>.jsonl`, found by searching (it may not exist yet). */
export function findTranscript(home: string, sessionId: string): string | undefined {
  const projects = path.join(home, '.claude', 'projects');
  let dirs: string[];
  try {
    dirs = fs.readdirSync(projects);
  } catch {
    return undefined;
  }
  for (const d of dirs) {
    const p = path.join(projects, d, `${sessionId}.jsonl`);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Parse a JSONL file, skipping blank lines and a torn last line. Missing file → []. */
export function readJsonl(file: string): any[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: any[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // partial line being written
    }
  }
  return out;
}

/** Transcript lines of a session (main transcript only; subagents live in `<sessionId>/subagents/`). */
export function readTranscript(home: string, sessionId: string): any[] {
  const p = findTranscript(home, sessionId);
  return p ? readJsonl(p) : [];
}

// ---------------------------------------------------------------------------------------------
// Running claude

export interface RunClaudeOptions {
  prompt: string;
  cwd: string;
  home: string;
  /** `--plugin-dir DIR` (repeat by passing an array). */
  pluginDir?: string | string[];
  /** Base URL of the fake API (`api.url`). */
  apiUrl: string;
  /** `--resume SESSION_ID`. */
  resume?: string;
  /** Extra environment (applied last; a value of undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** Extra CLI args, appended. */
  extraArgs?: string[];
  /** Kill the whole process group after this long. Default 60 s. */
  timeoutMs?: number;
  /** Binary to run; default `claudeBin()`. */
  bin?: string;
}

export interface ClaudeRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Parsed stream-json lines of stdout, in order. */
  events: any[];
  /** From the `system/init` (or `result`) event. */
  sessionId: string | undefined;
  /** The final `{type: "result"}` event, if any. */
  result: any;
  /** Transcript path, if the file exists after the run. */
  transcriptPath: string | undefined;
  durationMs: number;
  args: string[];
}

/** Parent-environment variables that must not reach the CLI or the hooks it runs. */
const SCRUB_PREFIXES = [
  'CLAUDE', // CLAUDECODE, CLAUDE_CODE_*, CLAUDE_CONFIG_DIR, CLAUDE_PLUGIN_*, CLAUDE_PROJECT_DIR, ...
  'ANTHROPIC_',
  'AWS_', // Bedrock
  'GOOGLE_', // Vertex
  'CLOUD_ML_',
  'VERTEX_',
  'OTEL_',
  'MCP_',
  'DISABLE_', // DISABLE_TELEMETRY, DISABLE_AUTOUPDATER, DISABLE_PROMPT_CACHING...
  'MAX_THINKING_',
  'BASH_DEFAULT_TIMEOUT',
  'BASH_MAX_',
  'VITEST',
  'npm_',
  'XDG_',
];
const SCRUB_EXACT = new Set([
  'NODE_OPTIONS',
  'NODE_ENV',
  'TEST',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'NO_PROXY',
  'no_proxy',
  'API_TIMEOUT_MS',
  'IS_SANDBOX',
  'DEBUG',
]);

export function claudeEnv(opts: Pick<RunClaudeOptions, 'home' | 'apiUrl' | 'env'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (SCRUB_EXACT.has(k) || SCRUB_PREFIXES.some((p) => k.startsWith(p))) continue;
    env[k] = v;
  }
  Object.assign(env, {
    HOME: opts.home,
    USERPROFILE: opts.home,
    XDG_CONFIG_HOME: path.join(opts.home, '.config'),
    XDG_CACHE_HOME: path.join(opts.home, '.cache'),
    XDG_DATA_HOME: path.join(opts.home, '.local', 'share'),
    XDG_STATE_HOME: path.join(opts.home, '.local', 'state'),
    ANTHROPIC_BASE_URL: opts.apiUrl,
    ANTHROPIC_API_KEY: 'test',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    IS_SANDBOX: '1', // --dangerously-skip-permissions refuses to run as root without it
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  });
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * `claude -p PROMPT [--resume ID] --plugin-dir DIR --dangerously-skip-permissions
 *  --output-format stream-json --verbose ...extraArgs`, waiting for the process to exit.
 * Never throws for a non-zero exit: assert on `exitCode` (and print `stderr`) in the test.
 */
export async function runClaude(opts: RunClaudeOptions): Promise<ClaudeRun> {
  const bin = opts.bin ?? claudeBin();
  const args = ['-p', opts.prompt];
  if (opts.resume) args.push('--resume', opts.resume);
  const pluginDirs = opts.pluginDir === undefined ? [] : Array.isArray(opts.pluginDir) ? opts.pluginDir : [opts.pluginDir];
  for (const d of pluginDirs) args.push('--plugin-dir', d);
  args.push('--dangerously-skip-permissions', '--output-format', 'stream-json', '--verbose', ...(opts.extraArgs ?? []));

  const started = Date.now();
  const child = spawn(bin, args, {
    cwd: opts.cwd,
    env: claudeEnv(opts),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so a timeout can kill claude together with its hooks and Bash tools.
    detached: process.platform !== 'win32',
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));

  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      if (process.platform !== 'win32') process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };

  let timedOut = false;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2_000).unref();
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (c, s) => {
      exited = { code: c, signal: s };
      clearTimeout(timer);
      // 'close' waits for stdio to end; a background grandchild holding our pipes open (e.g. an
      // `async: true` hook) must not hang the test: give it a moment, then stop waiting.
      graceTimer = setTimeout(() => {
        killGroup('SIGKILL');
        resolve(exited!);
      }, 5_000);
    });
    child.once('close', (c, s) => {
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      resolve(exited ?? { code: c, signal: s });
    });
  });

  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  const events: any[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      // not a stream-json line
    }
  }
  const init = events.find((e) => e?.type === 'system' && e?.subtype === 'init');
  const result = [...events].reverse().find((e) => e?.type === 'result');
  const sessionId: string | undefined = init?.session_id ?? result?.session_id ?? events.find((e) => e?.session_id)?.session_id;
  return {
    exitCode: code,
    signal,
    timedOut,
    stdout,
    stderr,
    events,
    sessionId,
    result,
    transcriptPath: sessionId ? findTranscript(opts.home, sessionId) : undefined,
    durationMs: Date.now() - started,
    args,
  };
}

/** One-line description of a run for assertion messages. */
export function describeRun(run: ClaudeRun): string {
  return (
    `claude exited ${run.exitCode}${run.signal ? ` (${run.signal})` : ''}${run.timedOut ? ' after TIMEOUT' : ''} in ${run.durationMs} ms\n` +
    `stderr:\n${run.stderr.slice(-4000)}\nlast events:\n${run.stdout.split('\n').slice(-6).join('\n').slice(-4000)}`
  );
}
