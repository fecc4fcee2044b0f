// The cell diagram: nodes with heat strips, wires and operators, drawn from the geometry the generator
// computed (payload.diagram), so it matches the static first frame. `paint` shows one compute step.
import { el } from 'unrolled/lib/plot.js';
import { colour, exact, short } from 'unrolled/widgets/cell/format.js';

const fmt = (v) => String(Math.round(v * 1000) / 1000);

function points(pts) {
  return pts.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(' ');
}

function head([x0, y0], [x1, y1], size = 5) {
  const length = Math.hypot(x1 - x0, y1 - y0) || 1;
  const ux = (x1 - x0) / length;
  const uy = (y1 - y0) / length;
  const bx = x1 - ux * size * 1.6;
  const by = y1 - uy * size * 1.6;
  return `${fmt(x1)},${fmt(y1)} ${(bx - uy * size).toFixed(2)},${(by + ux * size).toFixed(2)} `
    + `${(bx + uy * size).toFixed(2)},${(by - ux * size).toFixed(2)}`;
}

export function stateOf(stage, current) {
  if (stage < 0) return 'off';
  if (stage < current) return 'done';
  return stage === current ? 'active' : 'todo';
}

function setState(node, state) {
  node.classList.remove('is-off', 'is-done', 'is-active', 'is-todo');
  node.classList.add(`is-${state}`);
}

/** Label of one unit, e.g. "forget gate f_t, unit 3 of 16: 0.8123 (pre-activation 1.4650)". */
export function unitTitle(node, name, phase, k, n, v, pre) {
  const [sym, sub] = phase === 'forward' ? [node.sym, node.sub] : [node.bsym, node.bsub];
  let text = `${name} ${sym}${sub ? `_${sub}` : ''}, unit ${k + 1} of ${n}: ${short(v)}`;
  if (pre !== null && pre !== undefined) text += ` (pre-activation ${short(pre)})`;
  return text;
}

/**
 * Build the SVG of `dia` for one layer's geometry. Returns {svg, paint(view), onUnit(fn)}.
 * view = {phase, stage, t, values: {key: Float32Array (T*n)}, domain}
 */
export function buildDiagram(dia, geo, id) {
  const svg = el('svg', {
    class: 'cell-diagram', viewBox: `0 0 ${dia.width} ${dia.height}`, role: 'group',
    'aria-labelledby': `${id}-dtitle`, 'aria-describedby': `${id}-dhelp`,
  });
  const title = el('title', { id: `${id}-dtitle` });
  const help = el('desc', { id: `${id}-dhelp` },
    'Each small square is one unit of a vector. Tab into the diagram, then use the arrow keys to move '
    + 'between units (left and right) and vectors (up and down).');
  svg.append(title, help);

  const wires = el('g', { class: 'wires' });
  const wireEls = dia.wires.map((w) => {
    const g = el('g', { class: 'wire' });
    g.append(el('polyline', { points: points(w.points) }));
    const pts = w.points;
    if (w.head) {
      g.append(el('polygon', { class: 'head head-f', points: head(pts[pts.length - 2], pts[pts.length - 1]) }));
      g.append(el('polygon', { class: 'head head-b', points: head(pts[1], pts[0]) }));
    }
    if (w.dot) g.append(el('circle', { class: 'dot', cx: fmt(pts[0][0]), cy: fmt(pts[0][1]), r: 2.5 }));
    wires.append(g);
    return g;
  });

  const ops = el('g', { class: 'ops', 'aria-hidden': 'true' });
  const opEls = dia.ops.map((op) => {
    let g;
    if (!op.label) {
      g = el('circle', { class: 'op junction', cx: fmt(op.x), cy: fmt(op.y), r: 2.5 });
    } else if (op.label.length === 1) {
      g = el('g', { class: 'op' });
      g.append(el('circle', { cx: fmt(op.x), cy: fmt(op.y), r: 8 }), el('text', { x: fmt(op.x), y: fmt(op.y) }, op.label));
    } else {
      const w = 8 + 6.5 * op.label.length;
      g = el('g', { class: 'op' });
      g.append(el('rect', { x: fmt(op.x - w / 2), y: fmt(op.y - 7), width: fmt(w), height: 14, rx: 7 }),
        el('text', { x: fmt(op.x), y: fmt(op.y) }, op.label));
    }
    ops.append(g);
    return g;
  });

  const nodesG = el('g', { class: 'nodes' });
  const nodes = dia.nodes.map((node) => {
    const name = node.id === 'x' ? geo.x_name : node.name;
    const g = el('g', { class: `node node-${node.id}`, 'data-node': node.id });
    const label = el('text', { class: 'node-label', x: fmt(node.x + 6), y: fmt(node.y + 14) });
    const sym = el('tspan', { class: 'sym' });
    const sub = el('tspan', { class: 'sub', dy: 3 });
    label.append(sym, sub);
    g.append(el('rect', {
      class: 'node-box', x: fmt(node.x), y: fmt(node.y), width: fmt(node.w), height: fmt(node.h), rx: 6,
    }), label, el('text', { class: 'node-name', x: fmt(node.x + 6), y: fmt(node.y + 26) }, name));
    let fn = null;
    if (node.fn) {
      fn = el('text', { class: 'node-fn', x: fmt(node.x + node.w - 6), y: fmt(node.y + 14) }, node.fn);
      g.append(fn);
    }
    const strip = geo.strips[node.id];
    const stripG = el('g', { class: 'strip' });
    const units = [];
    for (let k = 0; k < strip.n; k += 1) {
      const x = strip.x + (k % strip.cols) * strip.cell;
      const y = strip.y + Math.floor(k / strip.cols) * strip.cell;
      const rect = el('rect', {
        class: 'unit', x: fmt(x), y: fmt(y), width: fmt(strip.cell), height: fmt(strip.cell), 'data-unit': k,
        tabindex: -1,
      });
      rect.append(el('title'));
      units.push(rect);
      stripG.append(rect);
    }
    g.append(stripG);
    nodesG.append(g);
    return { node, name, g, sym, sub, fn, units, n: strip.n };
  });
  const out = el('text', { class: 'out-label', x: fmt(dia.outX - 6), y: 11 }, geo.out);
  svg.append(wires, ops, nodesG, out);

  // roving focus over the units that carry a value
  let focus = { node: 0, unit: 0 };
  let unitListener = () => {};
  const live = () => nodes.filter((n) => n.g.hasAttribute('data-key'));
  function setTabStop() {
    const list = live();
    nodes.forEach((n) => n.units.forEach((u) => u.setAttribute('tabindex', -1)));
    if (!list.length) return;
    const n = list[Math.min(focus.node, list.length - 1)];
    n.units[Math.min(focus.unit, n.n - 1)].setAttribute('tabindex', 0);
  }
  svg.addEventListener('keydown', (event) => {
    const list = live();
    const at = list.findIndex((n) => n.units.includes(event.target));
    if (at < 0) return;
    const unit = list[at].units.indexOf(event.target);
    let next = null;
    if (event.key === 'ArrowRight') next = [at, Math.min(unit + 1, list[at].n - 1)];
    else if (event.key === 'ArrowLeft') next = [at, Math.max(unit - 1, 0)];
    else if (event.key === 'ArrowDown') next = [Math.min(at + 1, list.length - 1), unit];
    else if (event.key === 'ArrowUp') next = [Math.max(at - 1, 0), unit];
    else if (event.key === 'Home') next = [at, 0];
    else if (event.key === 'End') next = [at, list[at].n - 1];
    if (!next) return;
    event.preventDefault();
    const [ni, ui] = next;
    focus = { node: ni, unit: Math.min(ui, list[ni].n - 1) };
    setTabStop();
    list[ni].units[focus.unit].focus();
  });
  const report = (event) => {
    if (event.target.classList?.contains('unit')) unitListener(event.target);
  };
  svg.addEventListener('focusin', (event) => {
    const list = live();
    const at = list.findIndex((n) => n.units.includes(event.target));
    if (at >= 0) focus = { node: at, unit: list[at].units.indexOf(event.target) };
    report(event);
  });
  svg.addEventListener('pointerover', report);

  function paint({ phase, stage, t, values, domain, heading }) {
    const side = phase === 'forward' ? 'f' : 'b';
    svg.setAttribute('class', `cell-diagram phase-${phase}`);
    Object.assign(svg.dataset, { phase, stage: String(stage), step: String(t), domain: exact(domain) });
    title.textContent = heading;
    out.textContent = phase === 'forward' ? geo.out : geo.outBack;
    dia.wires.forEach((w, k) => setState(wireEls[k], stateOf(w[side], stage)));
    dia.ops.forEach((op, k) => setState(opEls[k], stateOf(op[side], stage)));

    for (const item of nodes) {
      const { node, g, units, n, name } = item;
      setState(g, stateOf(node[side], stage));
      const key = phase === 'forward' ? node.key : node.bkey;
      item.sym.textContent = phase === 'forward' ? node.sym : node.bsym;
      item.sub.textContent = phase === 'forward' ? node.sub : node.bsub;
      if (item.fn) item.fn.style.display = phase === 'forward' ? '' : 'none';
      if (!key) {
        g.removeAttribute('data-key');
        units.forEach((u) => {
          u.classList.add('empty');
          u.removeAttribute('data-value');
          u.removeAttribute('fill');
          u.removeAttribute('role');
          u.removeAttribute('aria-label');
          u.firstChild.textContent = '';
        });
        continue;
      }
      g.setAttribute('data-key', key);
      const vals = values[key];
      const pre = phase === 'forward' && node.pre ? values[node.pre] : null;
      units.forEach((u, k) => {
        const v = vals[t * n + k];
        const label = unitTitle(node, name, phase, k, n, v, pre ? pre[t * n + k] : null);
        u.classList.remove('empty');
        u.setAttribute('data-value', exact(v));
        u.setAttribute('fill', phase === 'forward' ? colour(v, 1) : colour(v, domain, true));
        u.setAttribute('role', 'img');
        u.setAttribute('aria-label', label);
        u.firstChild.textContent = label;
      });
    }
    setTabStop();
  }

  return {
    svg,
    paint,
    onUnit(fn) { unitListener = fn; },
  };
}
