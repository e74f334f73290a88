// `npm test` (or `node tests/e2e/run.mjs [name…]`): runs the e2e test files one after another,
// outside ctest. Set CERTGATE_BUILD_DIR to the build tree (default <source>/build).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => !wanted.length || wanted.some((w) => f.startsWith(w)));
let failed = 0;
const started = Date.now();
for (const file of files) {
  const t0 = Date.now();
  const result = spawnSync(process.execPath, [path.join(here, file)], { stdio: 'inherit' });
  console.log(`# ${file}: ${result.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (result.status !== 0) failed += 1;
}
console.log(`# ${files.length - failed}/${files.length} files passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
