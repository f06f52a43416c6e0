import { labelOf, type DrainRow } from '../detectors/index.js';
import type { Counted, Format, Report, ReportRow } from './types.js';

/** Pure renderers: a Report in, text out. */
export function renderReport(report: Report, format: Format, opts: { breakdown?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toJson(report, opts.breakdown ?? false), null, 2)}\n`;
    case 'csv':
      return renderCsv(report, opts.breakdown ?? false);
    case 'markdown':
      return report.sessionId ? renderSessionMarkdown(report) : renderMarkdownTable(report, opts.breakdown ?? false);
    case 'table':
      return renderTable(report, opts.breakdown ?? false);
    default:
      format satisfies never;
      return '';
  }
}

export function usd(n: number): string {
  return `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`;
}

function tokens(n: number): string {
  return n.toLocaleString('en-US');
}

function toJson(report: Report, breakdown: boolean): unknown {
  const row = (r: ReportRow) => {
    const { breakdown: models, ...rest } = r;
    return breakdown && models ? { ...rest, breakdown: models } : rest;
  };
  return { ...report, rows: report.rows.map(row), ...(report.agents ? { agents: report.agents.map(row) } : {}) };
}

const CSV_FIELDS = ['key', 'model', 'inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens', 'costUsd', 'responses', 'unpricedResponses'] as const;

const DRAIN_CSV_FIELDS = ['driver', 'share', 'usd', 'findings', 'trigger', 'evidence', 'fix'] as const;

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function renderCsv(report: Report, breakdown: boolean): string {
  const lines = [CSV_FIELDS.join(',')];
  const line = (key: string, model: string, c: Counted) =>
    lines.push([key, model, c.inputTokens, c.outputTokens, c.cacheCreationTokens, c.cacheReadTokens, c.totalTokens, c.costUsd, c.responses, c.unpricedResponses].map(csvCell).join(','));
  for (const r of report.rows) {
    line(r.key, r.models.join(' '), r);
    if (breakdown) for (const b of r.breakdown ?? []) line(r.key, b.model, b);
  }
  line('TOTAL', '', report.totals);
  if (report.drains.length > 0) {
    // A second block after a blank line: the rows above keep their columns.
    lines.push('', DRAIN_CSV_FIELDS.join(','));
    for (const d of report.drains) lines.push([labelOf(d.driver), d.share, d.usd, d.findings, d.trigger, d.evidence.join(' | '), d.fix].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

interface Column {
  title: string;
  value: (r: ReportRow | (Counted & { key: string; models?: string[] })) => string;
  right?: boolean;
}

function columns(report: Report): Column[] {
  const cols: Column[] = [{ title: report.by, value: (r) => r.key }];
  if (report.by === 'tool') {
    cols.push({ title: 'calls', value: (r) => ('calls' in r && r.calls !== undefined ? tokens(r.calls) : ''), right: true });
    cols.push({ title: 'failed', value: (r) => ('failedCalls' in r && r.failedCalls !== undefined ? tokens(r.failedCalls) : ''), right: true });
  } else if (report.by !== 'model') {
    cols.push({ title: 'models', value: (r) => (r.models ?? []).join(', ') });
  }
  cols.push(
    { title: 'input', value: (r) => tokens(r.inputTokens), right: true },
    { title: 'output', value: (r) => tokens(r.outputTokens), right: true },
    { title: 'cache write', value: (r) => tokens(r.cacheCreationTokens), right: true },
    { title: 'cache read', value: (r) => tokens(r.cacheReadTokens), right: true },
    { title: 'cost', value: (r) => usd(r.costUsd) + (r.unpricedResponses > 0 ? '*' : ''), right: true },
  );
  return cols;
}

function tableLines(report: Report, breakdown: boolean): string[][] {
  const cols = columns(report);
  const out: string[][] = [cols.map((c) => c.title)];
  for (const r of report.rows) {
    out.push(cols.map((c) => c.value(r)));
    if (breakdown) for (const b of r.breakdown ?? []) out.push(cols.map((c, i) => (i === 0 ? `  └ ${b.model}` : c.title === 'models' ? '' : c.value({ ...b, key: b.model }))));
  }
  out.push(cols.map((c, i) => (i === 0 ? 'Total' : c.title === 'models' || c.title === 'calls' || c.title === 'failed' ? '' : c.value({ ...report.totals, key: 'Total' }))));
  return out;
}

function renderTable(report: Report, breakdown: boolean): string {
  const cols = columns(report);
  const lines = tableLines(report, breakdown);
  const widths = cols.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (l: string[]) => l.map((cell, i) => (cols[i]?.right ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number))).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const body = lines.slice(1, -1).map(fmt);
  return [fmt(lines[0] as string[]), rule, ...body, rule, fmt(lines.at(-1) as string[]), ...drainsText(report), ...notes(report)].join('\n') + '\n';
}

function renderMarkdownTable(report: Report, breakdown: boolean): string {
  const cols = columns(report);
  const lines = tableLines(report, breakdown);
  const row = (l: string[]) => `| ${l.join(' | ')} |`;
  const out = [row(lines[0] as string[]), `|${cols.map((c) => (c.right ? ' ---: ' : ' --- ')).join('|')}|`, ...lines.slice(1).map(row)];
  if (report.findings.length > 0) out.push('', ...renderFindings(report));
  if (report.drains.length > 0) out.push('', '### Cost drains (share of total spend)', '', ...drainsMarkdown(report.drains));
  return [...out, ...notes(report)].join('\n') + '\n';
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ');

/** The audit-style table in a terminal: one line per driver, then its evidence and fix indented. */
function drainsText(report: Report): string[] {
  if (report.drains.length === 0) return [];
  const head = ['driver', 'share', 'dollars', 'findings', 'trigger'];
  const lines = report.drains.map((d) => [labelOf(d.driver), percent(d.share), usd(d.usd), String(d.findings), oneLine(d.trigger)]);
  const widths = head.map((_, i) => Math.max(head[i]!.length, ...lines.map((l) => l[i]!.length)));
  const right = [false, true, true, true, false];
  const fmt = (l: string[]) => l.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = ['', `Cost drains (share of ${usd(report.totals.costUsd)} total spend)`, fmt(head), widths.map((w) => '─'.repeat(w)).join('  ')];
  report.drains.forEach((d, i) => {
    out.push(fmt(lines[i]!));
    for (const e of d.evidence.slice(0, 3)) out.push(`    · ${oneLine(e).slice(0, 160)}`);
    out.push(`    fix: ${d.fix}`);
  });
  return out;
}

function drainsMarkdown(rows: readonly DrainRow[]): string[] {
  const cell = (text: string) => oneLine(text).replace(/\|/g, '\\|');
  const out = ['| driver | share | dollars | trigger | evidence | suggested fix |', '| --- | ---: | ---: | --- | --- | --- |'];
  for (const d of rows) {
    const evidence = d.evidence.slice(0, 3).map((e) => cell(e).slice(0, 160)).join('<br>');
    out.push(`| ${labelOf(d.driver)} | ${percent(d.share)} | ${usd(d.usd)} | ${cell(d.trigger)}${d.findings > 1 ? ` (${d.findings} findings)` : ''} | ${evidence} | ${cell(d.fix)} |`);
  }
  return out;
}

function notes(report: Report): string[] {
  const out: string[] = [];
  if (report.unpricedModels.length > 0) out.push('', `* Not priced (unknown model, cost not included): ${report.unpricedModels.join(', ')}. Add prices under "pricing" in costguard.json.`);
  if (report.malformedLines > 0) out.push('', `${report.malformedLines} malformed transcript line(s) skipped.`);
  return out;
}

function renderFindings(report: Report): string[] {
  const out = ['### Findings (by estimated waste)'];
  report.findings.forEach((f, i) => {
    const where = report.sessionId ? '' : ` — session ${f.sessionId}`;
    out.push(`${i + 1}. **${f.title}** — ~${usd(f.wastedUsd)} wasted${f.agentKey !== 'main' ? ` (subagent ${f.agentKey})` : ''}${where}`);
    for (const e of f.evidence.slice(0, 6)) out.push(`   - \`${e.toolUseId}\` ${e.toolName}: ${e.summary.replace(/\s+/g, ' ').slice(0, 120)} → ${e.outcome}${e.detail ? ` (${e.detail.replace(/\s+/g, ' ')})` : ''}`);
    if (f.evidence.length > 6) out.push(`   - … ${f.evidence.length - 6} more`);
  });
  return out;
}

/** The /cost-report view: compact markdown the model can relay as is. */
function renderSessionMarkdown(report: Report): string {
  const t = report.totals;
  const out = [`## costguard: session ${report.sessionId}`, ''];
  out.push(`**Cost so far: ${usd(t.costUsd)}**${t.unpricedResponses > 0 ? ` (+ ${t.unpricedResponses} unpriced responses of ${report.unpricedModels.join(', ')})` : ''} over ${t.responses} API responses.`);
  out.push(`Tokens: ${tokens(t.inputTokens)} input, ${tokens(t.outputTokens)} output, ${tokens(t.cacheCreationTokens)} cache write, ${tokens(t.cacheReadTokens)} cache read.`);
  if (report.toolCalls) out.push(`Tool calls: ${report.toolCalls.total} total, ${report.toolCalls.failed} failed, ${report.toolCalls.blocked} blocked by costguard.`);
  out.push('', `| ${report.by} | input | output | cache write | cache read | cost |`, '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of report.rows) out.push(`| ${r.key} | ${tokens(r.inputTokens)} | ${tokens(r.outputTokens)} | ${tokens(r.cacheCreationTokens)} | ${tokens(r.cacheReadTokens)} | ${usd(r.costUsd)}${r.unpricedResponses > 0 ? '*' : ''} |`);
  out.push('');
  if (report.findings.length > 0) out.push(...renderFindings(report), '');
  else out.push('No waste findings (no retry storms, duplicate reads or threshold crossings recorded).', '');
  if (report.drains.length > 0) out.push('### Cost drains in this session (share of its cost)', '', ...drainsMarkdown(report.drains), '');
  if (report.costliestCalls && report.costliestCalls.length > 0) {
    out.push('### Costliest tool calls (result tokens × turns carried)');
    for (const c of report.costliestCalls) {
      out.push(`- \`${c.toolUseId}\` ${c.name}: ${c.summary.replace(/\s+/g, ' ').slice(0, 100)} — ${tokens(c.addedTokens)} tokens added, carried ${c.carriedResponses} turns, ${usd(c.costUsd)}`);
    }
    out.push('');
  }
  if (report.agents && report.agents.length > 0) {
    out.push('### By agent');
    for (const a of report.agents) out.push(`- ${a.key}: ${usd(a.costUsd)} (${a.responses} responses; ${a.models.join(', ')})`);
  }
  return [...out, ...notes(report)].join('\n').trimEnd() + '\n';
}
