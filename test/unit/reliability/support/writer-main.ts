/**
 * Child-process entry for the concurrency test, bundled by esbuild at test time: plays one writer's
 * calls through runHook in this process (a separate SQLite connection and process, like a hook),
 * many hook calls per process for volume. Prints the WriterResult as JSON.
 */
import { writeSync } from 'node:fs';
import { runHook } from '../../../../src/hook/run.js';
import { runWriter, type WriterConfig } from './writer-plan.js';

const { config, env } = JSON.parse(process.argv[2] as string) as { config: WriterConfig; env: Record<string, string> };
void runWriter(config, (payload) => runHook(JSON.stringify(payload), env, Date.now()) as never).then((result) => {
  writeSync(1, `${JSON.stringify(result)}\n`);
});
