import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { readPluginOptions } from '../../../src/config/plugin-options.js';
import { formatProblem, resolveConfig } from '../../../src/config/resolve.js';
import { defaultConfig } from '../../../src/config/schema.js';

describe('resolveConfig', () => {
  it('gives the documented defaults for no layers', () => {
    const { config, problems } = resolveConfig([]);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      retryStreak: { limit: 3, action: 'block' },
      duplicateReads: { action: 'warn', ignore: [] },
      context: { warnTokens: 60_000, blockTokens: null },
      sessionCost: { warnUsd: 5, blockUsd: null },
      pricing: {},
    });
    expect(config).toEqual(defaultConfig());
  });

  it('lets later layers win, merging objects key by key', () => {
    const { config } = resolveConfig([
      { source: 'user', value: { retryStreak: { limit: 5, action: 'warn' }, context: { warnTokens: 1000 } } },
      { source: 'project', value: { retryStreak: { limit: 2 } } },
    ]);
    expect(config.retryStreak).toEqual({ limit: 2, action: 'warn' });
    expect(config.context).toEqual({ warnTokens: 1000, blockTokens: null });
  });

  it('accepts null to switch a threshold off', () => {
    expect(resolveConfig([{ source: 'f', value: { context: { warnTokens: null } } }]).config.context.warnTokens).toBeNull();
  });

  it('drops only the invalid keys and reports file, key and problem', () => {
    const { config, problems } = resolveConfig([
      { source: 'user', value: { retryStreak: { limit: 5 } } },
      { source: '/p/.claude/costguard.json', value: { retryStreak: { limit: 'five', action: 'explode' }, duplicateReads: { ignore: ['a/**'] } } },
    ]);
    expect(config.retryStreak).toEqual({ limit: 5, action: 'block' }); // falls back to the layer below, then the default
    expect(config.duplicateReads.ignore).toEqual(['a/**']);
    expect(problems.map(formatProblem)).toEqual([
      '/p/.claude/costguard.json: retryStreak.limit: expected number, got "five" (using the default instead)',
      '/p/.claude/costguard.json: retryStreak.action: expected one of "block", "warn", "off", got "explode" (using the default instead)',
    ]);
  });

  it('explains fractional and too-small limits', () => {
    const { problems } = resolveConfig([
      { source: 'a', value: { retryStreak: { limit: 2.5 } } },
      { source: 'b', value: { retryStreak: { limit: 0 } } },
    ]);
    expect(problems.map(formatProblem)).toEqual([
      'a: retryStreak.limit: expected int, got 2.5 (using the default instead)',
      'b: retryStreak.limit: must be >= 1, got 0 (using the default instead)',
    ]);
  });

  it('rejects non-positive thresholds and non-object roots', () => {
    const { config, problems } = resolveConfig([
      { source: 'a', value: { sessionCost: { blockUsd: -1 } } },
      { source: 'b', value: [1, 2] },
    ]);
    expect(config.sessionCost.blockUsd).toBeNull();
    expect(problems.map((p) => `${p.source}:${p.key}`)).toEqual(['a:sessionCost.blockUsd', 'b:(root)']);
  });

  it('tolerates unknown keys', () => {
    const { problems } = resolveConfig([{ source: 'a', value: { futureKey: 1, retryStreak: { futureKnob: true } } }]);
    expect(problems).toEqual([]);
  });
});

describe('readPluginOptions', () => {
  it('maps CLAUDE_PLUGIN_OPTION_* onto config keys; 0 and "off" switch thresholds off', () => {
    expect(
      readPluginOptions({
        CLAUDE_PLUGIN_OPTION_RETRY_LIMIT: '5',
        CLAUDE_PLUGIN_OPTION_RETRY_ACTION: 'warn',
        CLAUDE_PLUGIN_OPTION_CONTEXT_BLOCK_TOKENS: '0',
        CLAUDE_PLUGIN_OPTION_SESSION_COST_WARN_USD: 'off',
        CLAUDE_PLUGIN_OPTION_SESSION_COST_BLOCK_USD: '12.5',
        CLAUDE_PLUGIN_OPTION_CONTEXT_WARN_TOKENS: '',
      }),
    ).toEqual({
      retryStreak: { limit: 5, action: 'warn' },
      context: { blockTokens: null },
      sessionCost: { warnUsd: null, blockUsd: 12.5 },
    });
  });
});

describe('loadConfig', () => {
  function setup(user?: string, project?: string) {
    const home = mkdtempSync(join(tmpdir(), 'cg-home-'));
    const proj = mkdtempSync(join(tmpdir(), 'cg-proj-'));
    if (user !== undefined) {
      mkdirSync(join(home, '.claude'), { recursive: true });
      writeFileSync(join(home, '.claude', 'costguard.json'), user);
    }
    if (project !== undefined) {
      mkdirSync(join(proj, '.claude'), { recursive: true });
      writeFileSync(join(proj, '.claude', 'costguard.json'), project);
    }
    return { home, proj };
  }

  it('reads user then project file, project winning, over plugin options', () => {
    const { home, proj } = setup('{"retryStreak":{"limit":4},"context":{"warnTokens":100}}', '{"retryStreak":{"limit":2}}');
    const { config, problems } = loadConfig({ HOME: home, CLAUDE_PLUGIN_OPTION_RETRY_LIMIT: '9', CLAUDE_PLUGIN_OPTION_RETRY_ACTION: 'warn' }, proj);
    expect(problems).toEqual([]);
    expect(config.retryStreak).toEqual({ limit: 2, action: 'warn' });
    expect(config.context.warnTokens).toBe(100);
  });

  it('reports a file that is not JSON and carries on with the rest', () => {
    const { home, proj } = setup('{"retryStreak":', '{"retryStreak":{"limit":7}}');
    const { config, problems } = loadConfig({ HOME: home }, proj);
    expect(config.retryStreak.limit).toBe(7);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.source).toBe(join(home, '.claude', 'costguard.json'));
    expect(problems[0]!.message).toMatch(/not valid JSON/);
  });

  it('honours CLAUDE_CONFIG_DIR and tolerates missing files', () => {
    const { home, proj } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'cg-cfgdir-'));
    writeFileSync(join(dir, 'costguard.json'), '{"duplicateReads":{"action":"block"}}');
    const { config, problems } = loadConfig({ HOME: home, CLAUDE_CONFIG_DIR: dir }, proj);
    expect(problems).toEqual([]);
    expect(config.duplicateReads.action).toBe('block');
  });

  it('reports a config path that is a directory', () => {
    const { home, proj } = setup();
    mkdirSync(join(proj, '.claude', 'costguard.json'), { recursive: true });
    const { problems } = loadConfig({ HOME: home }, proj);
    expect(problems[0]?.message).toMatch(/cannot be read \(EISDIR\)/);
  });
});
