// Bundles site/bundles/d3.js into node_modules/.unrolled/d3.js: one minified ES module with only the
// functions it exports (d3's packages are many small modules; a page should fetch one file).
// The first line records the entry's SHA-256 so the generator can tell a bundle made from an older entry.
// Runs on `npm ci` (package.json `prepare`); the write is atomic (temporary file, then rename).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'site', 'bundles', 'd3.js');
const out = join(root, 'node_modules', '.unrolled', 'd3.js');
const digest = createHash('sha256').update(readFileSync(entry)).digest('hex');
const result = await build({
  entryPoints: [entry], bundle: true, format: 'esm', minify: true, write: false, legalComments: 'none',
  target: 'es2020', banner: { js: `// site/bundles/d3.js sha256:${digest}; d3 (ISC licence), https://d3js.org` },
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, result.outputFiles[0].contents);
renameSync(`${out}.tmp`, out);
