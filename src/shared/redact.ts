/**
 * Removes secrets from text before it is stored: API keys, bearer tokens, passwords in URLs and
 * `key=value` style credentials. Deliberately broad: a false positive costs a few characters of a
 * summary, a false negative leaks a credential into a file on disk.
 */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}/g, 'sk-[REDACTED]'],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, '[REDACTED]'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, '[REDACTED]'],
  [/\bAKIA[0-9A-Z]{16}\b/g, '[REDACTED]'],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, '$1:[REDACTED]@'],
  [
    /\b([A-Za-z0-9_]*(?:api[_-]?key|token|secret|passw(?:or)?d|pwd|auth|credential|private[_-]?key)[A-Za-z0-9_]*)(\s*[=:]\s*|["']\s*:\s*["']?|\s+)("[^"]*"|'[^']*'|[^\s"',;&]+)/gi,
    '$1$2[REDACTED]',
  ],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[REDACTED PRIVATE KEY]'],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Bounded, single-string, secret-free: what may be stored of a tool input or an error. */
export function boundText(text: string, max: number): string {
  const cleaned = redactSecrets(text.length > max * 4 ? text.slice(0, max * 4) : text);
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
