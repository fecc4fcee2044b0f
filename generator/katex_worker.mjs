// Renders TeX to MathML with KaTeX for the generator: one JSON request per input line, one JSON answer
// per output line, so a whole build pays for starting Node once.
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';

const require = createRequire(process.env.UNROLLED_NODE_MODULES + '/');
const katex = require('katex');

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { tex, display } = JSON.parse(line);
  let answer;
  try {
    answer = { html: katex.renderToString(tex, { displayMode: display, output: 'mathml', throwOnError: true, strict: 'error' }) };
  } catch (error) {
    answer = { error: error.message };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
