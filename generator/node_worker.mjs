// The generator's one Node process: renders TeX to HTML (plus MathML for assistive technology) with
// KaTeX, and widgets' first frames with the widgets' own modules (their exported `frame`), so the page
// and the live widget share one renderer.
// One JSON request per input line, one JSON answer per output line; a whole build starts Node once.
//
// UNROLLED_IMPORTS maps the widgets' bare specifiers (`unrolled/lib/plot.js`) to file URLs; it is made
// by generator/assets.py from the same list as the pages' import map.
import { createInterface } from 'node:readline';
import { createRequire, register } from 'node:module';

const require = createRequire(process.env.UNROLLED_NODE_MODULES + '/');
const imports = JSON.parse(process.env.UNROLLED_IMPORTS || '{}');
register(new URL('./node_resolve.mjs', import.meta.url), { data: { imports } });

let katex = null;

function math({ tex, display }) {
  katex ??= require('katex');
  return { html: katex.renderToString(tex, { displayMode: display, output: 'htmlAndMathml', throwOnError: true, strict: 'error' }) };
}

async function frame({ widget, data, options, id }) {
  const module = await import(`unrolled/widgets/${widget}.js`);
  return {
    frame: String(module.frame(data, options, id)),
    table: module.dataTable ? String(module.dataTable(data, options)) : null,
  };
}

const ops = { math, frame };
const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve(); // answers leave in the order the requests came
lines.on('line', (line) => {
  queue = queue.then(async () => {
    let answer;
    let op = null;
    try {
      const request = JSON.parse(line);
      op = request.op;
      answer = await ops[op](request);
    } catch (error) {
      answer = { error: op === 'math' ? error.message : String(error.stack || error) };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  });
});
