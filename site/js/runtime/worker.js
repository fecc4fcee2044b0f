// A module Web Worker hosting Pyodide for one session of Python cells (see client.js for the protocol).
// Started by the page only when a reader runs a cell. Import maps do not reach workers, so every URL
// arrives absolute in the `init` message.
//
// main -> worker  {type: 'init', config: {index, packages, zip, interrupt}}
//                 {type: 'run', cell, filename, code, packages, drives}
//                 {type: 'control', target, action, settings, json} a driven figure's network-control event
//                 {type: 'cancel', cell}                            cancel the cell's async control handlers
// worker -> main  {type: 'status', cell, stage, text}               loading progress
//                 {type: 'started', cell}                           the cell's code starts now (time limit)
//                 {type: 'output', cell, stream, text}              stdout / stderr as it is written
//                 {type: 'done', cell, status, result?, traceback?, message?, seconds?}
//                 {type: 'publish', cell, target, json}             unrolled_page.publish()
//                 {type: 'handlers', targets}                       figures with on_control handlers
//                 {type: 'busy', cell, busy}                        a control handler of the cell runs
const SITE_DIR = '/home/pyodide/.unrolled';
const CORE = ['pyodide.asm.js', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'];
const BOOT_LIMIT_S = 180; // a slow first download may take long; a broken one must not hang forever
const NAMES = { numpy: 'NumPy', scipy: 'SciPy', pandas: 'pandas', matplotlib: 'Matplotlib' };

let config = null;
let pyodide = null;
let runner = null;
let booting = null;
let current = ''; // the cell whose run is executing (output written below Python goes there)
let queue = Promise.resolve();

const post = (message) => self.postMessage(message);

class Unavailable extends Error {}

function describe(error) {
  if (!error) return 'unknown error';
  const text = String(error.message || error);
  return text.split('\n').filter(Boolean).slice(-1)[0] || text;
}

const bridge = {
  write(cell, stream, text) { post({ type: 'output', cell: cell || current, stream, text }); },
  publish(cell, target, json) { post({ type: 'publish', cell: cell || current, target, json }); },
  handlers(json) { post({ type: 'handlers', targets: JSON.parse(json) }); },
  busy(cell, busy) { post({ type: 'busy', cell, busy: Boolean(busy) }); },
  // Stop's SIGINT in the interrupt buffer, taken (so raised once) by the runner's interruptible sleep
  interrupted() {
    const buffer = config.interrupt;
    if (!buffer || buffer[0] !== 2) return false;
    buffer[0] = 0;
    return true;
  },
};

async function boot(cell) {
  post({ type: 'status', cell, stage: 'core', text: 'Downloading Python (Pyodide, about 12 MB on the first run)…' });
  let loadPyodide;
  try {
    ({ loadPyodide } = await import(`${config.index}pyodide.mjs`));
  } catch (error) {
    throw new Unavailable(`Python could not be loaded from ${config.index}: ${describe(error)}`);
  }
  // loadPyodide never settles when a core file is missing, so look before leaping (HEAD: no download).
  const missing = (await Promise.all(CORE.map(async (name) => {
    try {
      const response = await fetch(config.index + name, { method: 'HEAD' });
      const fine = response.ok || response.status === 405 || response.status === 501; // no HEAD: try anyway
      return fine ? null : `${name} (HTTP ${response.status})`;
    } catch (error) {
      return `${name} (${describe(error)})`;
    }
  }))).filter(Boolean);
  if (missing.length) {
    const files = missing.join(', ');
    throw new Unavailable(`Python could not be loaded: ${files} could not be fetched from ${config.index}`);
  }
  post({ type: 'status', cell, stage: 'init', text: 'Starting Python…' });
  const write = (stream) => (text) => post({ type: 'output', cell: current, stream, text: `${text}\n` });
  let py;
  let timer;
  try {
    py = await Promise.race([
      loadPyodide({
        indexURL: config.index, packageBaseUrl: config.packages, stdout: write('stdout'), stderr: write('stderr'),
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`it did not start within ${BOOT_LIMIT_S} s`)), BOOT_LIMIT_S * 1000);
      }),
    ]);
  } catch (error) {
    throw new Unavailable(`Python could not be started: ${describe(error)}`);
  } finally {
    clearTimeout(timer);
  }
  if (config.interrupt) py.setInterruptBuffer(config.interrupt);
  post({ type: 'status', cell, stage: 'site', text: 'Installing the page’s Python modules…' });
  try {
    const response = await fetch(config.zip);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    py.unpackArchive(await response.arrayBuffer(), 'zip', { extractDir: SITE_DIR });
  } catch (error) {
    throw new Unavailable(`the page’s Python modules could not be loaded from ${config.zip}: ${describe(error)}`);
  }
  const dir = JSON.stringify(SITE_DIR);
  py.runPython(`import sys\nif ${dir} not in sys.path: sys.path.insert(0, ${dir})`);
  runner = py.pyimport('unrolled_page._runner');
  runner.connect(bridge);
  pyodide = py;
  post({ type: 'ready' });
}

function ensureBooted(cell) {
  if (!booting) booting = boot(cell);
  return booting;
}

function unreachable(names, detail) {
  const label = names.map((n) => NAMES[n] || n).join(', ');
  const where = config.packages;
  const offline = self.navigator && self.navigator.onLine === false;
  const why = offline ? `this page is offline and the package source ${where} is unreachable`
    : `the package source ${where} is unreachable (${detail || 'download failed'})`;
  return `${label} could not be loaded: ${why}. Code that does not need ${names.length > 1 ? 'them' : 'it'} `
    + 'still runs; to use it, connect to the internet, or ask the site’s author to vendor Pyodide’s packages '
    + '(unrolled vendor-pyodide).';
}

async function loadPackages(message) {
  const wanted = new Set(message.packages.map((n) => n.toLowerCase()));
  if (/\bunrolled_lite\b/.test(message.code)) wanted.add('numpy');
  const errors = [];
  const failed = new Set();
  const options = {
    messageCallback: () => {},
    errorCallback: (text) => {
      errors.push(text);
      const match = /(?:Failed to load|while loading|Unable to load)\s+([\w.-]+)/i.exec(text);
      if (match) failed.add(match[1].toLowerCase());
    },
  };
  const missing = [...wanted].filter((n) => !(n in pyodide.loadedPackages));
  if (missing.length) {
    const text = `Loading ${missing.map((n) => NAMES[n] || n).join(', ')}…`;
    post({ type: 'status', cell: message.cell, stage: 'packages', text });
    await pyodide.loadPackage(missing, options);
  }
  try {
    await pyodide.loadPackagesFromImports(message.code, options);
  } catch (error) {
    errors.push(describe(error)); // e.g. a syntax error: the run reports it properly
  }
  const notLoaded = [...wanted].filter((n) => !(n in pyodide.loadedPackages));
  const names = [...new Set([...notLoaded, ...failed])];
  if (names.length) {
    const detail = errors.map((e) => describe(e)).filter((e) => /fetch|network|HTTP|load/i.test(e)).pop();
    throw new Unavailable(unreachable(names, detail));
  }
}

async function run(message) {
  const { cell } = message;
  current = cell;
  try {
    await ensureBooted(cell);
    await loadPackages(message);
    if (config.interrupt) config.interrupt[0] = 0;
    post({ type: 'started', cell });
    const start = performance.now();
    const outcome = JSON.parse(await runner.run(cell, message.filename, message.code, JSON.stringify(message.drives)));
    post({ type: 'done', cell, ...outcome, seconds: (performance.now() - start) / 1000 });
  } catch (error) {
    const fatal = !pyodide;
    post({
      type: 'done', cell, status: 'unavailable', fatal,
      message: error instanceof Unavailable ? error.message : `Python failed: ${describe(error)}`,
    });
  } finally {
    current = '';
  }
}

function control(message) {
  if (!runner) return;
  try {
    runner.dispatch(message.target, message.action, JSON.stringify(message.settings ?? {}), message.json || '{}');
  } catch (error) {
    post({ type: 'output', cell: '', stream: 'stderr', text: `control ${message.action}: ${describe(error)}\n` });
  }
}

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'init') {
    config = message.config;
  } else if (message.type === 'run') {
    queue = queue.then(() => run(message));
  } else if (message.type === 'control') {
    control(message);
  } else if (message.type === 'cancel' && runner) {
    try { runner.cancel(message.cell); } catch (error) { /* nothing left to cancel */ }
  }
};
