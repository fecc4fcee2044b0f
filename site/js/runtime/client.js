// The main-thread side of in-browser Python: one Session (a module Web Worker running Pyodide) per
// session name, started on the first run. It queues runs, enforces Stop and the time limit, routes
// output to the cells and published data to the widgets (controllers of page.js), and forwards the
// network-control events of driven figures to Python handlers. Protocol: see worker.js.
import * as page from 'unrolled/page.js';
import { h, toNode } from 'unrolled/lib/html.js';

const STOP_GRACE_MS = 1000; // an interrupted run that has not ended by then is killed with its worker
const sessions = new Map();

/** The session called `name` (created on first use; its worker starts with its first run). */
export function session(name, runtime) {
  if (!sessions.has(name)) sessions.set(name, new Session(name, runtime));
  return sessions.get(name);
}

function absolute(url) {
  return new URL(url, document.baseURI).href;
}

// -- publish: data for widgets, coalesced per animation frame -----------------------------------------
const pending = new Map(); // target -> {view, data}
let frame = 0;

function waitForWidget(figure, ms = 10000) {
  if (typeof page.ready === 'function') return page.ready(figure.id); // hydrates a widget still out of view
  if (figure.dataset.state === 'ready' || figure.dataset.state === 'error') return Promise.resolve();
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (figure.dataset.state) { observer.disconnect(); clearTimeout(timer); resolve(); }
    });
    const timer = setTimeout(() => { observer.disconnect(); resolve(); }, ms);
    observer.observe(figure, { attributes: true, attributeFilter: ['data-state'] });
  });
}

async function deliver(target, { view, data }) {
  const figure = document.getElementById(target);
  if (!figure) {
    view.notice(`publish: this page has no widget with id "${target}".`);
    return;
  }
  if (!page.controllers.has(target)) await waitForWidget(figure);
  const controller = page.controllers.get(target);
  if (!controller || typeof controller.update !== 'function') {
    const why = controller ? 'it has no update()' : 'it did not load';
    view.notice(`publish: widget "${target}" cannot take data (${why}).`);
    return;
  }
  try {
    controller.update({ data });
    figure.dataset.published = String(Number(figure.dataset.published || 0) + 1);
  } catch (error) {
    view.notice(`publish: widget "${target}" could not show the data: ${error.message}`);
  }
}

function flush() {
  frame = 0;
  const batch = [...pending];
  pending.clear();
  for (const [target, item] of batch) deliver(target, item);
}

function publish(sender, target, json) {
  const view = sender || { notice() {} };
  let data;
  try { data = JSON.parse(json); } catch (error) { view.notice(`publish: bad data (${error.message})`); return; }
  pending.set(target, { view, data });
  if (!frame) frame = requestAnimationFrame(flush);
}

// -- sessions ----------------------------------------------------------------------------------------
class Session {
  constructor(name, runtime) {
    this.name = name;
    this.config = { index: absolute(runtime.index), packages: absolute(runtime.packages), zip: absolute(runtime.zip) };
    this.isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
    this.interrupt = this.isolated ? new Uint8Array(new SharedArrayBuffer(1)) : null;
    this.worker = null;
    this.ready = false;
    this.views = new Map(); // cell id -> view (see widgets/pyodide.js)
    this.queue = [];
    this.job = null; // {view, started, reason, stopAt, timer, grace}
    this.handled = new Set(); // figures with Python control handlers
    this.listening = new Set();
    this.failure = null; // {cell, reason}: the first run whose setup (Python or a package) could not load
  }

  register(view) {
    this.views.set(view.id, view);
    for (const target of view.drives) this.listen(target);
  }

  listen(target) {
    if (this.listening.has(target)) return;
    const figure = document.getElementById(target);
    if (!figure) return;
    this.listening.add(target);
    figure.addEventListener('network-control', (event) => {
      if (!this.worker || !this.ready || !this.handled.has(target)) return;
      if (event.cancelable) event.preventDefault(); // tells the widget Python is in charge
      const detail = event.detail || {};
      let json = '{}';
      try { json = JSON.stringify(detail); } catch (error) { json = JSON.stringify({ action: detail.action }); }
      const { action, settings } = detail;
      this.worker.postMessage({ type: 'control', target, action, settings: settings ?? null, json });
    });
  }

  /** Python handles the controls of `targets` now: mark those figures `data-live="python"`, unmark the rest. */
  setHandled(targets) {
    for (const target of this.handled) {
      if (!targets.includes(target)) delete document.getElementById(target)?.dataset.live;
    }
    for (const target of targets) {
      const figure = document.getElementById(target);
      if (figure) figure.dataset.live = 'python';
    }
    this.handled = new Set(targets);
  }

  run(view, code) {
    if (this.job?.view === view || this.queue.some((j) => j.view === view)) return;
    this.queue.push({ view, code });
    if (this.job) view.state('queued', `Waiting for ${this.job.view.id} to finish…`);
    this.pump();
  }

  pump() {
    if (this.job || !this.queue.length) return;
    const { view, code } = this.queue.shift();
    this.job = { view, started: 0, reason: '', stopAt: 0 };
    this.spawn();
    view.state(this.ready ? 'running' : 'loading', this.ready ? 'Running…' : 'Starting Python…');
    const { options } = view;
    this.worker.postMessage({
      type: 'run', cell: view.id, filename: options.filename, code, packages: options.packages, drives: options.drives,
    });
  }

  spawn() {
    if (this.worker) return;
    const url = import.meta.resolve('unrolled/runtime/worker.js');
    this.worker = new Worker(url, { type: 'module', name: `python-${this.name}` });
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(`Python could not be started: ${event.message || 'its worker script did not load'}.`);
    };
    this.worker.postMessage({ type: 'init', config: { ...this.config, interrupt: this.interrupt } });
  }

  viewOf(id) {
    return this.views.get(id) || this.job?.view;
  }

  receive(m) {
    const job = this.job;
    switch (m.type) {
      case 'status':
        job?.view.state('loading', m.text, m.stage);
        break;
      case 'ready':
        this.ready = true;
        break;
      case 'started':
        if (!job) break;
        job.started = performance.now();
        job.view.state('running', 'Running…');
        job.timer = setTimeout(() => this.stop(job.view, 'timeout'), job.view.options.timeout * 1000);
        break;
      case 'output':
        this.viewOf(m.cell)?.output(m.stream, m.text);
        break;
      case 'publish':
        publish(this.viewOf(m.cell), m.target, m.json);
        break;
      case 'handlers':
        this.setHandled(m.targets);
        for (const target of m.targets) this.listen(target);
        break;
      case 'busy':
        this.views.get(m.cell)?.busy(m.busy);
        break;
      case 'done':
        if (!job) break;
        if (m.fatal) { this.fail(m.message); break; }
        this.finish(m);
        break;
      default:
        break;
    }
  }

  finish(outcome, extra = {}) {
    const job = this.job;
    clearTimeout(job.timer);
    clearTimeout(job.grace);
    this.job = null;
    if (this.interrupt) this.interrupt[0] = 0;
    const latency = job.stopAt ? performance.now() - job.stopAt : null;
    job.view.done({ ...this.explain(job.view, outcome), ...extra, reason: job.reason, latency,
      timeout: job.view.options.timeout });
    this.pump();
  }

  /** After a failed setup, later cells say so instead of showing a NameError or the same notice again. */
  explain(view, outcome) {
    if (outcome.status === 'unavailable') {
      const reason = outcome.message.split(': ')[0];
      for (const target of view.drives) stayPrecomputed(target, reason);
      if (!this.failure) {
        this.failure = { cell: view.id, reason };
        return outcome;
      }
      return { status: 'not-run', message: `Not run: setup failed (${reason}; see cell ${this.failure.cell}).` };
    }
    const missing = outcome.status === 'error' && this.failure
      && /NameError: name '([^']+)' is not defined/.exec(outcome.traceback || '');
    if (!missing) return outcome;
    for (const target of view.drives) stayPrecomputed(target, this.failure.reason);
    return {
      status: 'not-run',
      message: `Not run: setup failed. This cell needs \`${missing[1]}\`, which an earlier cell did not get to `
        + `define: cell ${this.failure.cell} could not run (${this.failure.reason}).`,
    };
  }

  /** Stop `view`: a queued run is dropped; a running one interrupted (or its worker killed). */
  stop(view, reason = 'stop') {
    const queued = this.queue.findIndex((j) => j.view === view);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      view.done({ status: 'cancelled', reason });
      return;
    }
    if (this.job?.view !== view) {
      if (view.isBusy()) this.stopHandlers(view);
      return;
    }
    const job = this.job;
    if (job.reason) return;
    job.reason = reason;
    job.stopAt = performance.now();
    if (this.interrupt && this.ready && job.started) {
      this.interrupt[0] = 2; // SIGINT: KeyboardInterrupt at the next bytecode
      job.grace = setTimeout(() => this.kill(), STOP_GRACE_MS);
    } else {
      this.kill();
    }
  }

  stopHandlers(view) {
    this.worker?.postMessage({ type: 'cancel', cell: view.id });
    setTimeout(() => {
      if (!view.isBusy() || this.job) return;
      if (this.interrupt) this.interrupt[0] = 2;
      setTimeout(() => { if (view.isBusy() && !this.job) this.kill(); }, STOP_GRACE_MS);
    }, STOP_GRACE_MS);
  }

  /** Terminate the worker: the next run starts a fresh interpreter. */
  kill() {
    this.worker?.terminate();
    this.worker = null;
    this.ready = false;
    this.setHandled([]);
    for (const view of this.views.values()) view.busy(false);
    if (this.job) this.finish({ status: 'interrupted' }, { restarted: true });
  }

  /** The runtime could not start: say so in the cell, drop the worker, keep the page working. */
  fail(message) {
    this.worker?.terminate();
    this.worker = null;
    this.ready = false;
    this.setHandled([]);
    const waiting = this.queue.splice(0);
    if (this.job) {
      clearTimeout(this.job.timer);
      const { view } = this.job;
      this.job = null;
      view.done(this.explain(view, { status: 'unavailable', message }));
    }
    for (const job of waiting) job.view.done(this.explain(job.view, { status: 'unavailable', message }));
  }
}

/** A figure a failed cell would have driven: say it stays precomputed (once). */
function stayPrecomputed(target, reason) {
  const figure = document.getElementById(target);
  if (!figure || figure.dataset.live === 'unavailable') return;
  figure.dataset.live = 'unavailable';
  figure.append(toNode(h('p', { class: 'live-note', role: 'status' },
    `Live training could not start (${reason}); this figure keeps showing the precomputed runs.`)));
}
