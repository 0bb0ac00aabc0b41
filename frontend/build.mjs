// Bundle the entry points in frontend/ into app/web/static/dist/ (run by `make assets`).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, 'app', 'web', 'static', 'dist');
const generated = path.join(root, 'node_modules', '.cache', 'shehui-frontend');

// bpmnlint resolves rules from node_modules at run time; the browser needs them compiled in.
async function compileLintConfig() {
  const compileConfig = require('bpmnlint/lib/support/compile-config');
  const config = JSON.parse(await readFile(path.join(root, 'frontend', 'bpmnlintrc.json'), 'utf8'));
  await mkdir(generated, { recursive: true });
  const file = path.join(generated, 'bpmnlint-config.js');
  await writeFile(file, await compileConfig(config));
  return file;
}

const lintConfig = await compileLintConfig();

await esbuild.build({
  entryPoints: {
    viewer: 'frontend/viewer.js',
    modeler: 'frontend/modeler.js',
    'form-editor': 'frontend/form-editor.js',
  },
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir,
  alias: { 'bpmnlint-config': lintConfig },
  loader: { '.woff': 'file', '.woff2': 'file', '.eot': 'file', '.ttf': 'file', '.svg': 'file', '.png': 'file' },
  assetNames: 'assets/[name]-[hash]',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
});
console.log('bundles written to', path.relative(root, outdir));
