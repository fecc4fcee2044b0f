// {pyodide}: a Python cell. Replaces the static highlighted code with an editor, Run / Stop / Reset,
// load progress and an output log. Python itself (runtime/worker.js) starts only when the reader runs
// a cell, or when an `autorun` cell scrolls into view. The cell's run state is in data-run:
// idle | queued | loading | running | done | error | stopped | timeout | unavailable | not-run.
import { h, toNode } from 'unrolled/lib/html.js';
import { createEditor } from 'unrolled/runtime/editor.js';
import { session } from 'unrolled/runtime/client.js';

const MAX_OUTPUT = 200_000; // characters kept in a cell's output

function button(text, cls, title) {
  return toNode(h('button', { type: 'button', class: `py-button ${cls}`, title: title || null }, text));
}

function seconds(s) {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(s < 10 ? 2 : 1)} s`;
}

export default function pyodideCell(state, element) {
  const { options } = state;
  const id = options.id;
  const frame = element.querySelector('.widget-frame');
  const bar = element.querySelector('.py-bar');

  const editor = createEditor({
    code: options.code, editable: options.edit, label: `Python code of cell ${id}`,
    onRun: () => run(), onInput: (text) => { reset.disabled = text === options.code; },
  });
  frame.replaceChildren(editor.element);

  const controls = toNode(h('div', { class: 'py-controls', role: 'group', 'aria-label': `Cell ${id}` }));
  const runButton = button('Run', 'py-run', 'Run this cell (Ctrl+Enter in the editor)');
  const stopButton = button('Stop', 'py-stop', 'Stop the running code');
  const reset = button('Reset', 'py-reset', 'Restore the author’s code');
  stopButton.disabled = true;
  reset.disabled = true;
  controls.append(runButton, stopButton);
  if (options.edit) controls.append(reset);
  bar.append(controls);

  const status = toNode(h('div', { class: 'py-status' },
    h('progress', { hidden: true, 'aria-label': `Loading Python for cell ${id}` }),
    h('span', { role: 'status' })));
  const progress = status.querySelector('progress');
  const statusText = status.querySelector('span');

  const output = toNode(h('div', {
    class: 'py-output', role: 'log', 'aria-live': 'polite', 'aria-label': `Output of cell ${id}`, tabindex: '0', hidden: true,
  }));
  frame.after(status, output);

  const py = session(options.session, options.runtime);
  let written = 0;
  let busyHandlers = false;
  let settled = ''; // the status text of the last run, shown again when a control handler ends

  const append = (cls, text) => {
    output.hidden = false;
    if (written >= MAX_OUTPUT) return;
    let chunk = text;
    if (written + chunk.length > MAX_OUTPUT) chunk = `${chunk.slice(0, MAX_OUTPUT - written)}\n… (output cut)\n`;
    written += chunk.length;
    const last = output.lastElementChild;
    if (last && last.className === cls) last.append(chunk);
    else {
      const node = toNode(h('span', { class: cls }));
      node.textContent = chunk; // set, not parsed: the HTML parser would turn a progress bar's \r into \n
      output.append(node);
    }
  };

  const view = {
    id,
    options,
    drives: options.drives,
    state(name, text, stage) {
      element.dataset.run = name;
      if (stage) element.dataset.stage = stage;
      const active = name === 'loading' || name === 'running' || name === 'queued';
      runButton.disabled = active;
      stopButton.disabled = !active && !busyHandlers;
      progress.hidden = name !== 'loading';
      statusText.textContent = text;
      settled = text;
      status.hidden = !text && progress.hidden;
    },
    output(stream, text) { append(stream === 'stderr' ? 'py-stderr' : 'py-stdout', text); },
    notice(text) { append('py-stderr', `${text}\n`); },
    busy(on) {
      busyHandlers = on;
      if (!['loading', 'running', 'queued'].includes(element.dataset.run)) {
        stopButton.disabled = !on;
        statusText.textContent = on ? 'Running a control handler…' : settled;
        status.hidden = !statusText.textContent;
      }
    },
    isBusy() { return busyHandlers; },
    done(outcome) {
      const { status: kind, reason } = outcome;
      if (outcome.latency != null) element.dataset.stopMs = outcome.latency.toFixed(1);
      const restarted = outcome.restarted ? ' Python was restarted: variables from earlier runs are gone.' : '';
      if (kind === 'ok') {
        if (outcome.result != null) append('py-result', `${outcome.result}\n`);
        view.state('done', `Done in ${seconds(outcome.seconds)}.`);
      } else if (kind === 'error') {
        append('py-error', outcome.traceback);
        view.state('error', 'The code raised an error (traceback below).');
      } else if (kind === 'unavailable') {
        append('py-error', `${outcome.message}\n`);
        view.state('unavailable', `${outcome.message.split(': ')[0]}.`);
      } else if (kind === 'not-run') {
        append('py-error', `${outcome.message}\n`);
        view.state('not-run', 'Not run: setup failed.');
      } else if (kind === 'cancelled') {
        view.state('idle', 'Not run.');
      } else if (reason === 'timeout') {
        view.state('timeout', `Stopped: the run reached its time limit of ${outcome.timeout} s.${restarted}`);
      } else {
        view.state('stopped', `Stopped.${restarted}`);
      }
    },
  };
  py.register(view);
  view.state('idle', '');

  function run() {
    if (runButton.disabled) return;
    output.replaceChildren();
    output.hidden = true;
    written = 0;
    py.run(view, editor.value);
  }

  runButton.addEventListener('click', run);
  stopButton.addEventListener('click', () => py.stop(view, 'stop'));
  reset.addEventListener('click', () => { editor.value = options.code; editor.focus(); });

  if (options.autorun && 'IntersectionObserver' in window) {
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        if (element.dataset.run === 'idle') run();
      }
    }, { threshold: 0.2 });
    observer.observe(element);
  }

  return {
    /** Run the cell (optionally with new code) — e.g. from another widget. */
    run(code) { if (code != null) editor.value = code; run(); },
    update() {},
  };
}
