// Builds the package: ESM (dist/esm) with declarations (dist/types), and CommonJS (dist/cjs,
// with its own declarations and a package.json that marks the folder as CommonJS).
// `--out-dir <dir>` builds into another folder instead of dist (the tarball test stages there,
// so it never rewrites the workspace's dist under a task that reads it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out-dir');
const out = outFlag === -1 ? join(root, 'dist') : resolve(process.argv[outFlag + 1] ?? 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const builds = [
  ['tsconfig.build.json', ['--outDir', join(out, 'esm'), '--declarationDir', join(out, 'types')]],
  ['tsconfig.cjs.json', ['--outDir', join(out, 'cjs')]],
];
rmSync(out, { recursive: true, force: true });
for (const [config, paths] of builds) {
  execFileSync(process.execPath, [tsc, '-p', join(root, config), ...paths], { stdio: 'inherit' });
}
mkdirSync(join(out, 'cjs'), { recursive: true });
writeFileSync(join(out, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
