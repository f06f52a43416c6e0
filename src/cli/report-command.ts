import yargs from 'yargs';
import { loadConfig } from '../config/load.js';
import { loadSqlite } from '../store/native.js';
import { buildReport } from '../report/build-report.js';
import { claudeConfigDir, dataDirCandidates, listTranscripts, type Env } from '../report/history.js';
import { ensurePricing, ingestHistory, type IngestProgress } from '../report/ingest.js';
import { renderReport } from '../report/render.js';
import { isValidTimeZone, parseTimeBound } from '../report/time.js';
import { DIMENSIONS, FORMATS, type Dimension, type Format } from '../report/types.js';
import { UsageIndex } from '../report/usage-index.js';
import { splitArgs } from './split-args.js';

/** A failure the user caused (bad flag, unknown session): exit 1 with the message. */
export class UsageError extends Error {}

export interface CliIo {
  env: Env;
  cwd: string;
  now: number;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stderrIsTty: boolean;
  /** The argument text of a slash command (`--args-stdin`), read by the caller. */
  readStdin: () => string;
}

interface ReportArgs {
  session?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  by?: Dimension | undefined;
  format?: Format | undefined;
  breakdown: boolean;
  timezone?: string | undefined;
  all: boolean;
  slash: boolean;
  argsStdin: boolean;
  dataDir?: string | undefined;
}

function parser(argv: string[]) {
  return yargs(argv)
    .scriptName('costguard')
    .usage('$0 report [options]\n\nWhere the money went: cost and tokens of Claude Code sessions, grouped, with waste findings.')
    .command('report', 'cost report over the Claude Code history')
    .option('session', { type: 'string', describe: 'one session: its cost, findings, costliest tool calls' })
    .option('since', { type: 'string', describe: 'from: 7d, 12h, 2w, YYYY-MM-DD or an ISO date-time' })
    .option('until', { type: 'string', describe: 'until (inclusive): same forms as --since' })
    .option('by', { choices: DIMENSIONS, describe: 'group rows by (default: day; model for --session)' })
    .option('format', { choices: FORMATS, describe: 'output format (default: table; markdown for --slash)' })
    .option('breakdown', { type: 'boolean', default: false, describe: 'per-model rows under each row' })
    .option('timezone', { type: 'string', describe: 'IANA zone for days, weeks and months (default: the system zone)' })
    .option('all', { type: 'boolean', default: false, describe: 'slash command: the whole history instead of this session' })
    .option('slash', { type: 'boolean', default: false, hidden: true })
    .option('args-stdin', { type: 'boolean', default: false, hidden: true })
    .option('data-dir', { type: 'string', hidden: true })
    .strict()
    .help()
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(err?.message ?? msg);
    });
}

function parseArgs(argv: string[]): { args: ReportArgs; helpText?: string } {
  let helpText: string | undefined;
  const y = parser(argv);
  const parsed = y.parseSync(argv, {}, (_err, _argv, output) => {
    if (output) helpText = output;
  }) as unknown as ReportArgs & { _: Array<string | number> };
  if (helpText !== undefined) return { args: parsed, helpText };
  const commands = parsed._.map(String);
  if (commands.length > 1 || (commands.length === 1 && commands[0] !== 'report')) {
    throw new UsageError(`unknown command: ${commands.join(' ')} (try: costguard report --help)`);
  }
  return { args: parsed };
}

/** Runs `costguard report`; returns the exit code. */
export function runCli(argv: string[], io: CliIo): number {
  let { args, helpText } = parseArgs(argv);
  if (helpText !== undefined) {
    io.stdout(`${helpText}\n`);
    return 0;
  }
  const slash = args.slash;
  if (args.argsStdin) {
    // The slash command's $ARGUMENTS: parsed as words, never by a shell.
    const extra = splitArgs(io.readStdin());
    const merged = parseArgs(['report', ...extra]);
    if (merged.helpText !== undefined) {
      io.stdout(`${merged.helpText}\n`);
      return 0;
    }
    const fromUser = merged.args;
    const wantsHistory = fromUser.all || fromUser.since !== undefined || fromUser.until !== undefined;
    args = {
      ...args,
      ...Object.fromEntries(Object.entries(fromUser).filter(([k, v]) => v !== undefined && ['session', 'since', 'until', 'by', 'format', 'breakdown', 'timezone'].includes(k))),
      session: fromUser.session ?? (wantsHistory ? undefined : args.session),
      all: fromUser.all,
    };
  }

  const timeZone = args.timezone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  if (!isValidTimeZone(timeZone)) throw new UsageError(`--timezone: ${JSON.stringify(timeZone)} is not an IANA time zone`);
  const since = args.since === undefined ? undefined : parseTimeBound(args.since, 'since', io.now, timeZone);
  const until = args.until === undefined ? undefined : parseTimeBound(args.until, 'until', io.now, timeZone);
  for (const bound of [since, until]) if (bound && 'error' in bound) throw new UsageError(bound.error);
  const sinceMs = since && 'ms' in since ? since.ms : undefined;
  const untilMs = until && 'ms' in until ? until.ms : undefined;
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) throw new UsageError('--since is after --until');
  const session = args.session === '' ? undefined : args.session;
  const by: Dimension = args.by ?? (session ? 'model' : 'day');
  const format: Format = args.format ?? (slash ? 'markdown' : 'table');

  const env: Env = args.dataDir ? { ...io.env, CLAUDE_PLUGIN_DATA: args.dataDir } : io.env;
  const dataDirs = dataDirCandidates(env);
  const { config } = loadConfig(env, env.CLAUDE_PROJECT_DIR || io.cwd);
  const sqlite = loadSqlite(dataDirs[0]);
  using index = UsageIndex.open(sqlite, dataDirs[0] as string);
  const files = listTranscripts(claudeConfigDir(env));
  const showProgress = io.stderrIsTty && format !== 'json';
  let lastShown = 0;
  const onProgress = (p: IngestProgress) => {
    if (!showProgress || p.bytesTotal < 50 * 1024 * 1024 || Date.now() - lastShown < 200) return;
    lastShown = Date.now();
    io.stderr(`\rcostguard: reading history ${Math.round((100 * p.bytesDone) / p.bytesTotal)}% (${p.filesDone}/${p.filesTotal} files)`);
  };
  ingestHistory(index, files, config.pricing, onProgress);
  if (lastShown > 0) io.stderr('\r\x1b[K');
  ensurePricing(index, config.pricing);
  if (session !== undefined && !index.hasSession(session)) {
    throw new UsageError(`no transcript found for session ${JSON.stringify(session)} under ${claudeConfigDir(env)}/projects`);
  }
  const report = buildReport(
    { index, sqlite, dataDirs, pricing: config.pricing, detectors: config.detectors },
    { by, sessionId: session, sinceMs, untilMs, since: args.since, until: args.until, timeZone },
  );
  io.stdout(renderReport(report, format, { breakdown: args.breakdown }));
  return 0;
}
