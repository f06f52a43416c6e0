import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** One transcript file of Claude Code's history, and what its place in the tree says about it. */
export interface TranscriptFile {
  path: string;
  /** `projects/<project>/<session>.jsonl`, or the parent session of a subagent transcript. */
  sessionId: string;
  /** The project directory's name (Claude Code's slug of the cwd). */
  project: string;
  /** Set for `<session>/subagents/agent-<id>.jsonl`. */
  agentId?: string;
}

/** `CLAUDE_CONFIG_DIR` (first entry when comma-separated, as ccusage accepts), else `~/.claude`. */
export function claudeConfigDir(env: Env): string {
  const configured = env.CLAUDE_CONFIG_DIR?.split(',').map((p) => p.trim()).find((p) => p !== '');
  if (configured) return configured.endsWith(`${sep}projects`) ? configured.slice(0, -`${sep}projects`.length) : configured;
  return join(env.HOME || env.USERPROFILE || '/tmp', '.claude');
}

/**
 * Where costguard keeps its data when Claude Code did not say (a terminal run of the CLI):
 * `CLAUDE_PLUGIN_DATA`, else the marketplace install's directory. Session stores are looked up in
 * every candidate, since a `--plugin-dir` session writes to `costguard-inline`.
 */
export function dataDirCandidates(env: Env): string[] {
  if (env.CLAUDE_PLUGIN_DATA) return [env.CLAUDE_PLUGIN_DATA];
  const base = join(claudeConfigDir(env), 'plugins', 'data');
  return [join(base, 'costguard-costguard'), join(base, 'costguard-inline')];
}

/**
 * Every `.jsonl` under `projects/`, sorted by path (the order ccusage reads them in, which decides
 * which copy of a duplicated response is kept when the copies are equal). A missing directory is
 * an empty history.
 */
export function listTranscripts(configDir: string): TranscriptFile[] {
  const root = join(configDir, 'projects');
  const out: TranscriptFile[] = [];
  walk(root, [], out);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function walk(dir: string, relative: string[], out: TranscriptFile[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const parts = [...relative, entry.name];
    if (entry.isDirectory()) walk(join(dir, entry.name), parts, out);
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) {
      const file = describeTranscript(join(dir, entry.name), parts);
      if (file) out.push(file);
    }
  }
}

/**
 * Session and project from the path below `projects/`, by the rules ccusage uses:
 * `<project>/<session>.jsonl`; `<project…>/<session>/subagents/<file>.jsonl`; otherwise the
 * parent directory is the session.
 */
export function describeTranscript(path: string, parts: readonly string[]): TranscriptFile | undefined {
  const name = parts.at(-1) ?? '';
  if (parts.length === 2) return { path, sessionId: name.slice(0, -'.jsonl'.length), project: parts[0] as string };
  if (parts.length >= 4 && parts.at(-2) === 'subagents') {
    const file: TranscriptFile = { path, sessionId: parts.at(-3) as string, project: parts.slice(0, -3).join('/') };
    const agent = /^agent-(.+)\.jsonl$/.exec(name);
    if (agent) file.agentId = agent[1];
    return file;
  }
  if (parts.length < 2) return undefined;
  return { path, sessionId: parts.at(-2) as string, project: parts.length > 2 ? parts.slice(0, -2).join('/') : 'Unknown Project' };
}
