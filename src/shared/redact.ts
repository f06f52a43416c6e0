/**
 * Removes secrets from text before it is stored: provider API keys and tokens, bearer/basic
 * credentials, passwords in URLs, `key=value` / `"key": "value"` / `--key value` credentials and
 * private key blocks. Deliberately broad: a false positive costs a few characters of a summary, a
 * false negative leaks a credential into a file on disk.
 *
 * On the hot path (every tool call's summary and error): every pattern is linear in the text, with
 * bounded repetitions where backtracking could otherwise go quadratic (e.g. a URL scheme over
 * `word-word-word…`). test/unit/reliability/redact.test.ts measures the worst inputs we know of.
 */

/** Names that mark the value after them as a credential: `api_key`, `GITHUB_TOKEN`, `PGPASSWORD`, `Authorization`… */
const KEY_WORD = String.raw`(?:api[_-]?key|access[_-]?key|secret|token|passw(?:or)?d|passphrase|pass|pwd|auth(?:orization)?|credentials?|private[_-]?key|cookie|session[_-]?id)`;
/**
 * Only a whole name segment counts (`author`, `passenger`, `tokenizer` do not), but a suffix after
 * _ or - does (`token_file`). The suffix is matched atomically (lookahead + backreference), so a long
 * `token_token_token…` costs one pass, not a backtrack per position.
 */
const keyName = (tail: string) => String.raw`${KEY_WORD}(?=(?<${tail}>[_-][A-Za-z0-9_-]{0,40}|s?))\k<${tail}>(?![A-Za-z0-9])`;
/** Cheap gate for the two name-based patterns, which cost the most: most text names no credential. */
const KEY_HINT = /api|key|secret|token|pass|pwd|auth|credential|cookie|session/i;

const REDACTED = '[REDACTED]';

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // First: later patterns would otherwise chew up the key body and leave the rest.
  [/-----BEGIN [A-Z ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY[A-Z ]*-----|$)/g, '[REDACTED PRIVATE KEY]'],
  // Anthropic (sk-ant-…), OpenAI (sk-…, sk-proj-…) and look-alikes.
  [/\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}/g, `sk-${REDACTED}`],
  // GitHub, GitLab, npm, Hugging Face, Stripe, Google.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{30,}|hf_[A-Za-z0-9]{30,})/g, REDACTED],
  [/\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}/g, REDACTED],
  // Docker Hub, Shopify, PyPI.
  [/\b(?:dckr_pat_[A-Za-z0-9_-]{10,}|shp(?:at|ss|ca|pa)_[A-Fa-f0-9]{20,}|pypi-[A-Za-z0-9_-]{40,})/g, REDACTED],
  [/\bAIza[A-Za-z0-9_-]{30,}/g, REDACTED],
  // Slack tokens and incoming-webhook URLs.
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}|\bxapp-[A-Za-z0-9-]{10,}/g, REDACTED],
  [/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g, `hooks.slack.com/services/${REDACTED}`],
  // AWS access key ids (long-term and temporary); secret keys are caught by name below.
  [/\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g, REDACTED],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}/g, REDACTED],
  // Authorization schemes. "token" also appears in prose ("Unexpected token identifier"): only a
  // value with a digit, or a long one, is taken for a credential there.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\b([Tt]oken)\s+(?:(?=[A-Za-z0-9._~+/=-]{0,200}\d)[A-Za-z0-9._~+/=-]{8,}|[A-Za-z0-9._~+/=-]{20,})/g, `$1 ${REDACTED}`],
  // user:password@ in URLs (postgres://, https://…). Anchored on "://", not on the scheme: a scheme
  // pattern backtracks over every `word-word-word…` position.
  [/(:\/\/[^\s:/@]{1,256}):[^\s@/]{1,256}@/g, `$1:${REDACTED}@`],
  // curl -u user:password, --user user:password
  [/((?:^|\s)(?:-u|--user)\s*=?\s*["']?[^\s:"']{1,256}):[^\s"']+/g, `$1:${REDACTED}`],
];

type Groups = { head: string; quote?: string };
const groupsOf = (args: unknown[]) => args[args.length - 1] as Groups;

/** Applied only when KEY_HINT matches. */
const NAMED: ReadonlyArray<readonly [RegExp, (...args: unknown[]) => string]> = [
  // key=value, key: value, "key": "value", \"key\": \"value\" (JSON inside JSON), export KEY="a b".
  [
    new RegExp(String.raw`(?<head>${keyName('t')}(?:\\?["'])?\s*[:=]\s*)(?:(?<quote>\\?["'])[^"'\\\n]*|[^\s"'\\,;&<>]+)`, 'gi'),
    (...args) => {
      const g = groupsOf(args);
      return `${g.head}${g.quote ?? ''}${REDACTED}`;
    },
  ],
  // A credential name and its value separated by spaces: a flag (`--password x`, `--api-key x`)
  // or a snake_case name (`aws_secret_access_key x`). A plain word ("token count") is left alone.
  [
    new RegExp(String.raw`(?<![A-Za-z0-9_-])(?<head>(?:--?)?(?:[A-Za-z0-9]+[_-]){0,4}${keyName('t')}\s+)(?<quote>["']?)(?!-)[^\s"']+`, 'gi'),
    (...args) => {
      const g = groupsOf(args);
      return g.head.startsWith('-') || g.head.includes('_') ? `${g.head}${g.quote ?? ''}${REDACTED}` : (args[0] as string);
    },
  ],
];

/**
 * A cheap check before the patterns: a text holding none of their anchors (most file paths and
 * commands) cannot match any of them. Plain substring tests on the lower-cased text: one large
 * case-insensitive regular expression cost ~0.25 ms per call in a fresh hook process (V8 interprets a
 * new regular expression before compiling it), the patterns themselves more. Each pattern above must
 * keep one of these anchors (checked by test/unit/reliability/secrets.test.ts over every format).
 */
const ANCHORS = [
  'begin', 'sk-', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-', 'npm_', 'hf_', '_live_', '_test_',
  'dckr_pat_', 'shpat_', 'shpss_', 'shpca_', 'shppa_', 'pypi-', 'aiza', 'xox', 'xapp-', 'hooks.slack', 'akia', 'asia',
  'abia', 'acca', 'a3t', 'eyj', 'bearer', 'basic', 'token', '://', '-u', '--user',
  'api', 'key', 'secret', 'pass', 'pwd', 'auth', 'credential', 'cookie', 'session',
];

function mayHoldSecret(text: string): boolean {
  const lower = text.toLowerCase();
  return ANCHORS.some((a) => lower.includes(a));
}

export function redactSecrets(text: string): string {
  if (!mayHoldSecret(text)) return text;
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  if (KEY_HINT.test(out)) for (const [re, replace] of NAMED) out = out.replace(re, replace);
  return out;
}

/** Bounded, single-string, secret-free: what may be stored of a tool input or an error. */
export function boundText(text: string, max: number): string {
  const cleaned = redactSecrets(text.length > max * 4 ? text.slice(0, max * 4) : text);
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
