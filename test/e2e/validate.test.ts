import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeBin, claudeEnv, makeSandbox } from './support/claude.js';
import { REPO_ROOT } from './support/costguard.js';

describe('claude plugin validate', () => {
  it('passes for the marketplace manifest (repo root) and for the plugin manifest with its hooks and commands', () => {
    const sb = makeSandbox('costguard-validate');
    try {
      const env = claudeEnv({ home: sb.home, apiUrl: 'http://127.0.0.1:9' });
      const validate = (dir: string) => spawnSync(claudeBin(), ['plugin', 'validate', dir], { env, encoding: 'utf8', timeout: 60_000 });
      const market = validate(REPO_ROOT);
      expect(market.status, market.stdout + market.stderr).toBe(0);
      expect(market.stdout).toContain('Validation passed');
      // The plugin manifest alone (no marketplace.json beside it), with hooks/ and commands/.
      const plugin = path.join(sb.root, 'plugin');
      for (const dir of ['.claude-plugin', 'hooks', 'commands']) fs.cpSync(path.join(REPO_ROOT, dir), path.join(plugin, dir), { recursive: true });
      fs.rmSync(path.join(plugin, '.claude-plugin', 'marketplace.json'));
      const own = validate(plugin);
      expect(own.status, own.stdout + own.stderr).toBe(0);
      expect(own.stdout).toMatch(/Validating plugin manifest[\s\S]*Validation passed/);
    } finally {
      sb.cleanup();
    }
  });
});
