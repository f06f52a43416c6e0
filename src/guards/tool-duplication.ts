import type { Config } from '../config/schema.js';
import { describeReads, resolvePath } from './read-spans.js';
import type { Verdict } from './types.js';

/** What makes two tool calls "the same": a normalized key, and tokens for near-identical matches. */
export interface CallSignature {
  key: string;
  tokens: string[];
  /** The call may change files, so identical calls after it are legitimate (re-running tests after a fix). */
  modifies: boolean;
}

export interface PriorCall {
  toolUseId: string;
  toolName: string;
  summary: string;
  signature: CallSignature | undefined;
  outcome: string;
  at: number;
}

/** Tools whose repetition is someone else's business: reads (duplicate reads), edits, agents, planning. */
const NOT_TRACKED = new Set(['Read', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'Agent', 'Task', 'TodoWrite', 'ExitPlanMode', 'Skill', 'SlashCommand']);
const WRITES = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);

/**
 * Bash commands that may change files or state: after one, re-running an earlier command is
 * expected (the classic edit → test loop). Deliberately broad: a missed warning costs less than
 * telling the model its fresh test run is a duplicate.
 */
const MODIFYING_COMMAND =
  /(^|[\s;&|(])(?:rm|mv|cp|mkdir|rmdir|touch|tee|patch|ln|chmod|chown|truncate|dd|install|make|cargo|go|pip|pip3|poetry|uv|yarn|pnpm|bun|docker|kubectl|terraform)\b|(?<![0-9&])>(?!\s*(?:&|\/dev\/null))|\bsed\s+-i|\bgit\s+(?:add|commit|checkout|switch|apply|stash|reset|merge|rebase|pull|push|restore|cherry-pick|rm|mv|clean|am|revert|tag|branch)\b|\bnpm\s+(?:i|install|ci|uninstall|update|run|exec|version|publish|link)\b|\bnpx\b|\bperl\s+-[a-z]*i/;

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Splits a command into comparable tokens: quotes dropped, combined short flags split (-rn → -r -n), paths resolved. */
export function tokenizeCommand(command: string, cwd: string | undefined): string[] {
  const tokens: string[] = [];
  for (const raw of command.replace(/["']/g, ' ').split(/\s+/)) {
    if (!raw) continue;
    if (/^-[A-Za-z]{2,}$/.test(raw)) {
      for (const ch of raw.slice(1)) tokens.push(`-${ch}`);
    } else if (raw.includes('/') && !raw.includes('://') && !raw.startsWith('-')) {
      tokens.push(resolvePath(raw, cwd));
    } else tokens.push(raw);
  }
  return tokens;
}

/** Whether signatureOf reads the call's input (writes and untracked tools need none). */
export function signatureReadsInput(toolName: string): boolean {
  return !WRITES.has(toolName) && !NOT_TRACKED.has(toolName);
}

export function signatureOf(toolName: string, input: unknown, cwd: string | undefined): CallSignature | undefined {
  if (WRITES.has(toolName)) return { key: '', tokens: [], modifies: true };
  if (NOT_TRACKED.has(toolName) || typeof input !== 'object' || input === null) return undefined;
  const o = input as Record<string, unknown>;
  if (toolName === 'Bash') {
    if (typeof o.command !== 'string' || describeReads('Bash', o, cwd)) return undefined; // file reads: the duplicate-read guard
    const tokens = tokenizeCommand(o.command, cwd);
    return { key: `Bash:${tokens.join(' ')}`, tokens, modifies: MODIFYING_COMMAND.test(o.command) };
  }
  if (toolName === 'WebSearch' && typeof o.query === 'string') {
    const tokens = o.query.toLowerCase().split(/\s+/).filter(Boolean);
    return { key: `WebSearch:${tokens.join(' ')}`, tokens, modifies: false };
  }
  if (toolName === 'WebFetch' && typeof o.url === 'string') {
    const url = o.url.replace(/#.*$/, '').replace(/\/+$/, '');
    return { key: `WebFetch:${url.toLowerCase()}`, tokens: [url.toLowerCase()], modifies: false };
  }
  const { description: _ignored, ...rest } = o;
  if (typeof rest.path === 'string') rest.path = resolvePath(rest.path, cwd);
  const key = `${toolName}:${stableJson(rest)}`;
  return { key, tokens: key.split(/[\s,:{}"[\]]+/).filter(Boolean), modifies: false };
}

/** Jaccard similarity of two token multisets. */
export function similarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const count = new Map<string, number>();
  for (const t of a) count.set(t, (count.get(t) ?? 0) + 1);
  let inter = 0;
  for (const t of b) {
    const n = count.get(t) ?? 0;
    if (n > 0) {
      inter++;
      count.set(t, n - 1);
    }
  }
  return inter / (a.length + b.length - inter);
}

export interface ToolDuplicationInput {
  toolName: string;
  signature: CallSignature | undefined;
  /** This agent's earlier calls, newest first (a bounded window). */
  previous: readonly PriorCall[];
  now: number;
}

function describeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

export function evaluateToolDuplication(input: ToolDuplicationInput, config: Config['toolDuplication']): Verdict | undefined {
  const sig = input.signature;
  if (config.action === 'off' || !sig || sig.modifies || sig.key === '') return undefined;
  for (const prior of input.previous) {
    if (prior.signature?.modifies) return undefined; // something may have changed since: repeating is legitimate
    if (prior.outcome !== 'ok' || prior.toolName !== input.toolName || !prior.signature) continue;
    const same = prior.signature.key === sig.key;
    const near = !same && sig.tokens[0] === prior.signature.tokens[0] && similarity(sig.tokens, prior.signature.tokens) >= config.similarity;
    if (!same && !near) continue;
    const how = same ? 'the same call' : 'a near-identical call';
    const text =
      `${how === 'the same call' ? 'This is the same call as' : 'This is nearly the same call as'} \`${prior.summary.slice(0, 160)}\` (${input.toolName}), ` +
      `which succeeded ${describeAge(input.now - prior.at)}, and nothing was changed since: its result is still in your context. Use it instead of running it again.`;
    return config.action === 'block'
      ? { guard: 'toolDuplication', deny: `costguard: repeated tool call blocked. ${text}` }
      : { guard: 'toolDuplication', context: `costguard: repeated tool call. ${text}` };
  }
  return undefined;
}
