/**
 * A scripted stand-in for the Anthropic Messages API, for driving the real `claude` CLI offline.
 *
 * - Listens on 127.0.0.1, random free port, `node:http` only.
 * - `POST /v1/messages[?beta=true]` is answered with server-sent events shaped like the real API
 *   (message_start with full usage incl. the `cache_creation` split, ping, content_block_start /
 *   content_block_delta / content_block_stop for text and tool_use blocks, message_delta with the
 *   stop_reason and the final output_tokens, message_stop) and a `request-id` header, which Claude
 *   Code writes into the transcript as `requestId`.
 * - Only the agent's own turns (main agent and subagents) consume the script. Everything else
 *   (requests without tools such as prompt-hook evaluations, the /compact summarisation request,
 *   forked side queries) gets a small default answer. See `classifyRequest` and test/e2e/README.md.
 * - Every request is recorded with its parsed JSON body so tests can assert what the model saw.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Script types

export interface FakeUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  /** Split of cache_creation_input_tokens by TTL. Defaults to all 5m, as the real API reports. */
  cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number };
}

export interface FakeToolUse {
  name: string;
  input: Record<string, unknown>;
  /** Defaults to a random `toolu_...` id; the resolved id is visible in `api.turns`. */
  id?: string;
}

interface TurnCommon {
  /** Merged over the default usage for this turn. */
  usage?: FakeUsage;
  /** Model reported in the response; defaults to the model the request asked for. */
  model?: string;
}

/** A final answer: stop_reason `end_turn` (unless `stopReason` says otherwise). */
export interface TextTurn extends TurnCommon {
  text: string;
  toolUses?: undefined;
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence';
}

/** One or more tool calls (a batch), optionally preceded by text: stop_reason `tool_use`. */
export interface ToolTurn extends TurnCommon {
  toolUses: FakeToolUse[];
  text?: string;
}

export type Turn = TextTurn | ToolTurn;

/** A turn after ids were assigned: what the fake actually sent. */
export type ResolvedTurn =
  | (TextTurn & { toolUses?: undefined })
  | (Omit<ToolTurn, 'toolUses'> & { toolUses: Array<Required<FakeToolUse>> });

// ---------------------------------------------------------------------------------------------
// Recording

/**
 * - `agent`: a turn of the main agent or of a subagent (carries the tool list and a cache
 *   breakpoint on its last user message); consumes the script. Subagent turns have `agentId`.
 * - `compact`: the /compact (or auto-compact) summarisation request. It carries the full tool list
 *   too, but its last user message is the "CRITICAL: Respond with TEXT ONLY..." summary prompt.
 * - `fork`: a forked side query of the main loop (prompt suggestion, session naming, ...): full
 *   tool list but no cache write on the last user message. Not seen in `-p` runs so far.
 * - `side`: a model call without tools (prompt-type hooks, title generation, quota probe, ...).
 * - `count_tokens`, `probe` (Bun's `HEAD /` connectivity check), `other` (anything unexpected).
 */
export type RequestKind = 'agent' | 'compact' | 'fork' | 'side' | 'count_tokens' | 'probe' | 'other';

export interface RecordedRequest {
  /** 0-based arrival order over all requests. */
  seq: number;
  method: string;
  /** Full request URL path incl. query, e.g. `/v1/messages?beta=true`. */
  url: string;
  /** Path without the query, e.g. `/v1/messages`. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body (undefined if the body was empty or not JSON). */
  body: any;
  kind: RequestKind;
  /** Claude Code's session id, from the `x-claude-code-session-id` header. */
  sessionId?: string;
  /** Set on a subagent's requests, from the `x-claude-code-agent-id` header. */
  agentId?: string;
  /** `request-id` header we answered with (becomes the transcript's `requestId`). */
  requestId?: string;
  /** `message.id` we answered with. */
  messageId?: string;
  /** What we answered with (for /v1/messages). */
  turn?: ResolvedTurn;
  /** Usage we reported (for /v1/messages). */
  usage?: Required<Omit<FakeUsage, 'cache_creation'>> & {
    cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  };
  /** For `agent` requests: index of the script turn consumed, or -1 when the script was exhausted. */
  scriptIndex?: number;
}

export interface FakeApiOptions {
  /** Text for `side` and `fork` requests (json_schema requests get a schema-conforming JSON instead). */
  sideText?: string;
  /** Answer to a compaction request. Default: a short plain-text summary. */
  compact?: TextTurn;
  /** Answer used for agent turns once the script is exhausted. Default `{ text: 'done' }`. */
  whenExhausted?: TextTurn;
  /** Override classification of a /v1/messages request. Return undefined to use the default. */
  classify?: (req: RecordedRequest) => RequestKind | undefined;
  /** Answer any /v1/messages request yourself (return undefined to fall through). Does not consume the script. */
  respond?: (req: RecordedRequest) => Turn | undefined;
  /** Do not console.warn about unexpected requests. */
  quiet?: boolean;
}

export interface FakeApi {
  /** `http://127.0.0.1:PORT`: pass as ANTHROPIC_BASE_URL. */
  url: string;
  port: number;
  /** Every request, in arrival order (live array). */
  requests: RecordedRequest[];
  /** Requests of kind `agent` (main agent and subagents), in order. Computed on access. */
  readonly agentRequests: RecordedRequest[];
  /** Agent requests of the main agent only (no `x-claude-code-agent-id`). */
  readonly mainAgentRequests: RecordedRequest[];
  /** Requests that hit an endpoint this fake does not know (also console.warn'ed). */
  readonly unexpected: RecordedRequest[];
  /** The script with tool_use ids resolved (live; grows with `push`). */
  turns: ResolvedTurn[];
  /** Number of script turns not consumed yet. */
  readonly remaining: number;
  /** Number of agent requests answered with `whenExhausted` because the script ran out. */
  readonly exhausted: number;
  /** Append turns to the script (e.g. before a `--resume` run against the same server). */
  push(...turns: Turn[]): ResolvedTurn[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Helpers exported for tests

export function randomId(prefix: string): string {
  // Real ids look like `toolu_01AbC...`/`msg_01...`/`req_011C...`; tests only need uniqueness.
  return prefix + randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
}

/**
 * Usage whose context (input + cache_creation + cache_read) totals `contextTokens`, shaped like a
 * steady-state turn: almost everything read from cache, a small cache write, a few fresh tokens.
 */
export function usageForContext(contextTokens: number, outputTokens = 50): FakeUsage {
  const input = 8;
  const creation = Math.min(500, Math.max(0, contextTokens - input));
  return {
    input_tokens: input,
    cache_creation_input_tokens: creation,
    cache_read_input_tokens: Math.max(0, contextTokens - input - creation),
    output_tokens: outputTokens,
  };
}

/** Total context size the model saw for a usage record: input + cache_creation + cache_read. */
export function contextTokensOf(usage: FakeUsage | undefined): number {
  if (!usage) return 0;
  return (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

type Json = any;

function contentBlocks(message: Json): Json[] {
  if (!message) return [];
  const c = message.content;
  if (typeof c === 'string') return [{ type: 'text', text: c }];
  return Array.isArray(c) ? c : [];
}

function toolResultText(content: Json): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((b: Json) => (b && b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
      .filter(Boolean)
      .join('\n');
  }
  return '';
}

export interface FoundToolResult {
  toolUseId: string;
  /** The tool_result content flattened to text. */
  content: string;
  isError: boolean;
  /** Index into `body.messages`. */
  messageIndex: number;
  block: any;
}

/** Find the tool_result for `toolUseId` in a request body (or a RecordedRequest). */
export function findToolResult(body: Json, toolUseId: string): FoundToolResult | undefined {
  const messages: Json[] = unwrap(body)?.messages ?? [];
  for (let i = 0; i < messages.length; i++) {
    for (const block of contentBlocks(messages[i])) {
      if (block?.type === 'tool_result' && block.tool_use_id === toolUseId) {
        return {
          toolUseId,
          content: toolResultText(block.content),
          isError: block.is_error === true,
          messageIndex: i,
          block,
        };
      }
    }
  }
  return undefined;
}

export interface TextOptions {
  /** Only look at `body.messages.slice(fromMessage)`. */
  fromMessage?: number;
  /** Also include the top-level `system` prompt. Default false. */
  includeSystem?: boolean;
  /** Also include tool_use inputs (as JSON). Default false. */
  includeToolUses?: boolean;
}

/**
 * All text the model sees in `body.messages`: user/assistant text blocks, string contents,
 * tool_result contents, `<system-reminder>` blocks and mid-conversation `role: "system"` messages
 * (where Claude Code 2.1.197 puts SessionStart / UserPromptSubmit / PostToolBatch additionalContext).
 */
export function textOfRequest(body: Json, opts: TextOptions = {}): string {
  const b = unwrap(body);
  const out: string[] = [];
  if (opts.includeSystem) {
    const sys = b?.system;
    if (typeof sys === 'string') out.push(sys);
    else if (Array.isArray(sys)) for (const s of sys) if (typeof s?.text === 'string') out.push(s.text);
  }
  const messages: Json[] = (b?.messages ?? []).slice(opts.fromMessage ?? 0);
  for (const m of messages) {
    for (const block of contentBlocks(m)) {
      if (block?.type === 'text' && typeof block.text === 'string') out.push(block.text);
      else if (block?.type === 'tool_result') out.push(toolResultText(block.content));
      else if (opts.includeToolUses && block?.type === 'tool_use') out.push(JSON.stringify(block.input));
    }
  }
  return out.join('\n');
}

interface ReminderSource {
  text: string;
  /** True for a mid-conversation `role: "system"` message (several items joined by blank lines). */
  systemMessage: boolean;
}

function reminderSources(body: Json, fromMessage = 0): ReminderSource[] {
  const messages: Json[] = (unwrap(body)?.messages ?? []).slice(fromMessage);
  const out: ReminderSource[] = [];
  for (const m of messages) {
    if (m?.role === 'system') {
      out.push({ text: contentBlocks(m).map((b: Json) => b?.text ?? '').join('\n'), systemMessage: true });
      continue;
    }
    for (const block of contentBlocks(m)) {
      const texts: string[] = [];
      if (block?.type === 'text' && typeof block.text === 'string') texts.push(block.text);
      if (block?.type === 'tool_result') texts.push(toolResultText(block.content));
      for (const t of texts) {
        for (const match of t.matchAll(/<system-reminder>\n?([\s\S]*?)\n?<\/system-reminder>/g)) {
          out.push({ text: match[1] ?? '', systemMessage: false });
        }
      }
    }
  }
  return out;
}

/**
 * Contents of every `<system-reminder>...</system-reminder>` in the messages, plus the content of
 * every mid-conversation `role: "system"` message.
 */
export function systemReminders(body: Json, opts: { fromMessage?: number } = {}): string[] {
  return reminderSources(body, opts.fromMessage).map((r) => r.text);
}

export interface HookContext {
  /** e.g. `PreToolUse`, `PostToolUseFailure`, `PostToolBatch`, `SessionStart`, `UserPromptSubmit`. */
  event: string;
  /** Tool name for per-tool events (`PreToolUse:Read ...`), else undefined. */
  tool?: string;
  text: string;
}

/** Blocks Claude Code puts into the same `role: "system"` message as SessionStart/UserPromptSubmit contexts. */
const SYSTEM_MESSAGE_SECTIONS = ['\n\nAvailable agent types for the Agent tool:', '\n\nThe following skills are available'];

/**
 * `hookSpecificOutput.additionalContext` values that reached the model, parsed from the
 * "<Event>[:<Tool>] hook additional context: <text>" items Claude Code writes: one per
 * `<system-reminder>` for per-tool events, and inside `role: "system"` messages for SessionStart,
 * UserPromptSubmit and PostToolBatch. Best effort for the latter: items there are joined by blank
 * lines, so a context is cut at the next hook item or at a known listing (agent types, skills).
 */
export function hookContexts(body: Json, opts: { fromMessage?: number } = {}): HookContext[] {
  const out: HookContext[] = [];
  const re = /(?:^|\n)([A-Za-z]+)(?::([^\s:]+))? hook additional context: /g;
  for (const src of reminderSources(body, opts.fromMessage)) {
    const starts = [...src.text.matchAll(re)];
    starts.forEach((m, i) => {
      const begin = (m.index ?? 0) + m[0].length;
      const next = starts[i + 1];
      let end = next ? (next.index ?? src.text.length) : src.text.length;
      if (src.systemMessage) {
        for (const header of SYSTEM_MESSAGE_SECTIONS) {
          const at = src.text.indexOf(header, begin);
          if (at !== -1 && at < end) end = at;
        }
      }
      out.push({ event: m[1] ?? '', ...(m[2] ? { tool: m[2] } : {}), text: src.text.slice(begin, end).trim() });
    });
  }
  return out;
}

function unwrap(x: Json): Json {
  // Accept a RecordedRequest as well as a raw body.
  if (x && typeof x === 'object' && 'rawBody' in x && 'body' in x) return x.body;
  return x;
}

// ---------------------------------------------------------------------------------------------
// Classification

const COMPACT_MARKERS = ['CRITICAL: Respond with TEXT ONLY', 'create a detailed summary of the conversation'];

function hasCacheControl(message: Json): boolean {
  return contentBlocks(message).some((b: Json) => b && typeof b === 'object' && 'cache_control' in b);
}

/** Default classification of a parsed `POST /v1/messages` body. */
export function classifyMessagesRequest(body: Json): RequestKind {
  if (!body || typeof body !== 'object' || !Array.isArray(body.messages)) return 'other';
  const tools: Json[] = Array.isArray(body.tools) ? body.tools : [];
  if (tools.length === 0) return 'side';
  const messages: Json[] = body.messages;
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      lastUser = i;
      break;
    }
  }
  if (lastUser === -1) return 'agent';
  const lastUserText = contentBlocks(messages[lastUser])
    .map((b: Json) => (b?.type === 'text' ? String(b.text ?? '') : ''))
    .join('\n');
  if (COMPACT_MARKERS.some((m) => lastUserText.includes(m))) return 'compact';
  // The agent loop always writes a prompt-cache breakpoint on its newest user message; forked
  // side queries (skipCacheWrite) only read the cache, so their breakpoint sits earlier.
  const anyCache = messages.some(hasCacheControl);
  if (anyCache && !hasCacheControl(messages[lastUser])) return 'fork';
  return 'agent';
}

// ---------------------------------------------------------------------------------------------
// Response building

/** A minimal instance of a JSON schema: for side requests with `output_config.format` json_schema. */
function instanceOf(schema: Json, depth = 0): Json {
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length) return instanceOf(variants[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const o: Record<string, Json> = {};
      const props = schema.properties ?? {};
      const required: string[] = Array.isArray(schema.required) ? schema.required : Object.keys(props);
      for (const k of required) o[k] = instanceOf(props[k], depth + 1);
      return o;
    }
    case 'array':
      return [];
    case 'string':
      return 'fake-api';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return schema.properties ? instanceOf({ ...schema, type: 'object' }, depth + 1) : null;
  }
}

function resolveTurn(turn: Turn): ResolvedTurn {
  if (turn.toolUses) {
    return {
      ...turn,
      toolUses: turn.toolUses.map((t) => ({ name: t.name, input: t.input, id: t.id ?? randomId('toolu_') })),
    };
  }
  return { ...turn };
}

function sse(res: http.ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function splitInTwo(s: string): string[] {
  if (s.length < 2) return [s];
  const mid = Math.ceil(s.length / 2);
  return [s.slice(0, mid), s.slice(mid)];
}

// ---------------------------------------------------------------------------------------------
// Server

export async function start(script: Turn[] = [], options: FakeApiOptions = {}): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  const turns: ResolvedTurn[] = script.map(resolveTurn);
  let next = 0;
  let exhausted = 0;
  let agentTurnsAnswered = 0;
  const sideText = options.sideText ?? 'OK';
  const compactTurn: TextTurn = options.compact ?? {
    text: '<summary>Summary (fake-api): the conversation so far was compacted.</summary>',
  };
  const whenExhausted: TextTurn = options.whenExhausted ?? { text: 'done' };

  function defaultUsage(kind: RequestKind): FakeUsage {
    if (kind !== 'agent') {
      return { input_tokens: 60, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 10 };
    }
    // Shaped like the reference transcript: a big cache write first, then mostly cache reads.
    const k = agentTurnsAnswered;
    if (k === 0) return { input_tokens: 12, cache_creation_input_tokens: 18_000, cache_read_input_tokens: 0, output_tokens: 60 };
    return {
      input_tokens: 8,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 18_000 + 300 * (k - 1),
      output_tokens: 40,
    };
  }

  function warnUnexpected(r: RecordedRequest): void {
    if (!options.quiet) {
      console.warn(`[fake-api] unexpected request: ${r.method} ${r.url} ${r.rawBody.slice(0, 200)}`);
    }
  }

  function streamMessage(res: http.ServerResponse, rec: RecordedRequest, turn: ResolvedTurn, kind: RequestKind): void {
    const base = defaultUsage(kind);
    const u = { ...base, ...(turn.usage ?? {}) };
    const creation = u.cache_creation_input_tokens ?? 0;
    const split = {
      ephemeral_5m_input_tokens: turn.usage?.cache_creation?.ephemeral_5m_input_tokens ?? creation - (turn.usage?.cache_creation?.ephemeral_1h_input_tokens ?? 0),
      ephemeral_1h_input_tokens: turn.usage?.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    };
    const usage = {
      input_tokens: u.input_tokens ?? 0,
      output_tokens: u.output_tokens ?? 0,
      cache_creation_input_tokens: creation,
      cache_read_input_tokens: u.cache_read_input_tokens ?? 0,
      cache_creation: split,
    };
    const requestId = randomId('req_');
    const messageId = randomId('msg_');
    rec.requestId = requestId;
    rec.messageId = messageId;
    rec.turn = turn;
    rec.usage = usage;
    const model = turn.model ?? (typeof rec.body?.model === 'string' ? rec.body.model : 'claude-opus-4-8');

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': requestId,
      'anthropic-organization-id': '00000000-0000-4000-8000-000000000000',
    });
    sse(res, 'message_start', {
      type: 'message_start',
      message: {
        id: messageId,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          cache_creation: usage.cache_creation,
          output_tokens: 1,
          service_tier: 'standard',
        },
      },
    });
    sse(res, 'ping', { type: 'ping' });
    let index = 0;
    if (turn.text !== undefined && turn.text !== '') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const chunk of splitInTwo(turn.text)) {
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: chunk } });
      }
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
      index++;
    }
    for (const t of turn.toolUses ?? []) {
      sse(res, 'content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: t.id, name: t.name, input: {} },
      });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const chunk of splitInTwo(JSON.stringify(t.input ?? {}))) {
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: chunk } });
      }
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
      index++;
    }
    const stopReason = turn.toolUses && turn.toolUses.length ? 'tool_use' : ((turn as TextTurn).stopReason ?? 'end_turn');
    sse(res, 'message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  }

  function sideTurnFor(rec: RecordedRequest): TextTurn {
    const format = rec.body?.output_config?.format;
    if (format?.type === 'json_schema' && format.schema) {
      return { text: JSON.stringify(instanceOf(format.schema)) };
    }
    return { text: sideText };
  }

  function handleMessages(res: http.ServerResponse, rec: RecordedRequest): void {
    const custom = options.respond?.(rec);
    if (custom) {
      streamMessage(res, rec, resolveTurn(custom), rec.kind);
      return;
    }
    switch (rec.kind) {
      case 'agent': {
        let turn: ResolvedTurn;
        if (next < turns.length) {
          rec.scriptIndex = next;
          turn = turns[next++]!;
        } else {
          rec.scriptIndex = -1;
          exhausted++;
          turn = resolveTurn(whenExhausted);
        }
        streamMessage(res, rec, turn, 'agent');
        agentTurnsAnswered++;
        return;
      }
      case 'compact':
        streamMessage(res, rec, resolveTurn(compactTurn), 'compact');
        return;
      default:
        streamMessage(res, rec, resolveTurn(sideTurnFor(rec)), rec.kind);
    }
  }

  function json(res: http.ServerResponse, status: number, payload: unknown): void {
    const body = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': randomId('req_') });
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    res.on('error', () => {});
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: Json;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const header = (name: string): string | undefined => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      const rec: RecordedRequest = {
        seq: requests.length,
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: req.headers,
        rawBody,
        body,
        kind: 'other',
      };
      const sid = header('x-claude-code-session-id');
      if (sid) rec.sessionId = sid;
      const aid = header('x-claude-code-agent-id');
      if (aid) rec.agentId = aid;
      requests.push(rec);

      const path = u.pathname.replace(/\/+$/, '') || '/';
      try {
        if (rec.method === 'POST' && path === '/v1/messages') {
          rec.kind = options.classify?.(rec) ?? classifyMessagesRequest(body);
          if (rec.kind === 'other') {
            warnUnexpected(rec);
            json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'fake-api: body is not a Messages request' } });
            return;
          }
          handleMessages(res, rec);
          return;
        }
        if (rec.method === 'POST' && path === '/v1/messages/count_tokens') {
          rec.kind = 'count_tokens';
          json(res, 200, { input_tokens: Math.max(1, Math.ceil(rawBody.length / 4)) });
          return;
        }
        if ((rec.method === 'HEAD' || rec.method === 'GET') && path === '/') {
          rec.kind = 'probe';
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(rec.method === 'HEAD' ? undefined : 'ok');
          return;
        }
        rec.kind = 'other';
        warnUnexpected(rec);
        if (rec.method === 'HEAD') {
          res.writeHead(200);
          res.end();
        } else if (rec.method === 'GET' && path === '/v1/models') {
          json(res, 200, { data: [], has_more: false, first_id: null, last_id: null });
        } else {
          json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `fake-api: no route ${rec.method} ${path}` } });
        }
      } catch (err) {
        console.warn('[fake-api] handler error', err);
        if (!res.headersSent) json(res, 500, { type: 'error', error: { type: 'api_error', message: String(err) } });
        else res.end();
      }
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get agentRequests() {
      return requests.filter((r) => r.kind === 'agent');
    },
    get mainAgentRequests() {
      return requests.filter((r) => r.kind === 'agent' && !r.agentId);
    },
    get unexpected() {
      return requests.filter((r) => r.kind === 'other');
    },
    turns,
    get remaining() {
      return turns.length - next;
    },
    get exhausted() {
      return exhausted;
    },
    push(...more: Turn[]) {
      const resolved = more.map(resolveTurn);
      turns.push(...resolved);
      return resolved;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
