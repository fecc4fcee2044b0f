// The cell diagram as markup: nodes with heat strips, wires and operators at one compute step, drawn from
// the geometry in the payload (`diagram`). The live view redraws it on every step; the keyboard moves a
// roving tab stop over the units that carry a value (`move`).
import { h } from 'unrolled/lib/html.js';
import { colour, exact } from 'unrolled/widgets/cell/format.js';
import { short } from 'unrolled/lib/format.js';

const HELP = 'Each small square is one unit of a vector. Tab into the diagram, then use the arrow keys to move '
  + 'between units (left and right) and vectors (up and down), or step through them with the Previous unit and '
  + 'Next unit buttons.';

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

/** Label of one unit, e.g. "forget gate f_t, unit 3 of 16: 0.8123 (pre-activation 1.4650)". */
export function unitTitle(node, name, phase, k, n, v, pre) {
  const [sym, sub] = phase === 'forward' ? [node.sym, node.sub] : [node.bsym, node.bsub];
  let text = `${name} ${sym}${sub ? `_${sub}` : ''}, unit ${k + 1} of ${n}: ${short(v)}`;
  if (pre !== null && pre !== undefined) text += ` (pre-activation ${short(pre)})`;
  return text;
}

/** The nodes whose units carry a value in `phase`, in drawing order (the keyboard's rows). */
export function liveNodes(dia, phase) {
  return dia.nodes.filter((node) => (phase === 'forward' ? node.key : node.bkey));
}

/**
 * The stop after (delta = 1) or before (-1) `focus` in reading order: every unit of a vector, then the next
 * vector's, round to the first again (what the Previous / Next unit buttons step through).
 */
export function stepUnit(dia, geo, phase, focus, delta) {
  const counts = liveNodes(dia, phase).map((node) => geo.strips[node.id].n);
  let { node, unit } = focus;
  unit += delta;
  if (unit < 0) { node = (node - 1 + counts.length) % counts.length; unit = counts[node] - 1; }
  if (unit >= counts[node]) { node = (node + 1) % counts.length; unit = 0; }
  return { node, unit };
}

/** The roving tab stop {node, unit} clamped to what `phase` shows. */
export function clampFocus(dia, geo, phase, focus) {
  const list = liveNodes(dia, phase);
  if (!list.length) return null;
  const node = Math.min(focus.node, list.length - 1);
  return { node, unit: Math.min(focus.unit, geo.strips[list[node].id].n - 1) };
}

/** Where an arrow key (Home, End) moves the tab stop from `focus`, or null for other keys. */
export function move(dia, geo, phase, focus, key) {
  const list = liveNodes(dia, phase);
  const n = (k) => geo.strips[list[k].id].n;
  const { node, unit } = focus;
  const next = {
    ArrowRight: [node, Math.min(unit + 1, n(node) - 1)], ArrowLeft: [node, Math.max(unit - 1, 0)],
    ArrowDown: [Math.min(node + 1, list.length - 1), unit], ArrowUp: [Math.max(node - 1, 0), unit],
    Home: [node, 0], End: [node, n(node) - 1],
  }[key];
  return next ? { node: next[0], unit: Math.min(next[1], n(next[0]) - 1) } : null;
}

function wire(w, side, stage) {
  const pts = w.points;
  return h(
    'g',
    { class: `wire is-${stateOf(w[side], stage)}` },
    h('polyline', { points: points(pts) }),
    w.head ? [h('polygon', { class: 'head head-f', points: head(pts[pts.length - 2], pts[pts.length - 1]) }),
      h('polygon', { class: 'head head-b', points: head(pts[1], pts[0]) })] : null,
    w.dot ? h('circle', {
      class: 'dot', cx: fmt(pts[0][0]), cy: fmt(pts[0][1]), r: 2.5,
    }) : null,
  );
}

function op(o, side, stage) {
  const cls = `op is-${stateOf(o[side], stage)}`;
  if (!o.label) {
    return h('circle', {
      class: `${cls} junction`, cx: fmt(o.x), cy: fmt(o.y), r: 2.5,
    });
  }
  const label = h('text', { x: fmt(o.x), y: fmt(o.y) }, o.label);
  if (o.label.length === 1) return h('g', { class: cls }, h('circle', { cx: fmt(o.x), cy: fmt(o.y), r: 8 }), label);
  const w = 8 + 6.5 * o.label.length;
  return h('g', { class: cls }, h('rect', {
    x: fmt(o.x - w / 2), y: fmt(o.y - 7), width: fmt(w), height: 14, rx: 7,
  }), label);
}

/**
 * The SVG of `dia` for one layer's geometry `geo` at position {phase, stage, t}: `values` {key: flat
 * (T * n) array}, `domain` the gradient scale's half-width, `focus` the unit holding the tab stop.
 */
export function diagram(dia, geo, {
  phase, stage, t, values, domain, heading, focus,
}, id) {
  const side = phase === 'forward' ? 'f' : 'b';
  const stop = clampFocus(dia, geo, phase, focus);
  const live = liveNodes(dia, phase);
  const nodes = dia.nodes.map((node) => {
    const name = node.id === 'x' ? geo.x_name : node.name;
    const key = phase === 'forward' ? node.key : node.bkey;
    const strip = geo.strips[node.id];
    const row = live.indexOf(node);
    const vals = key ? values[key] : null;
    const pre = key && phase === 'forward' && node.pre ? values[node.pre] : null;
    const units = Array.from({ length: strip.n }, (_, k) => {
      const geometry = {
        x: fmt(strip.x + (k % strip.cols) * strip.cell), y: fmt(strip.y + Math.floor(k / strip.cols) * strip.cell),
        width: fmt(strip.cell), height: fmt(strip.cell), 'data-unit': k,
        tabindex: stop && row === stop.node && k === stop.unit ? 0 : -1,
      };
      if (!vals) return h('rect', { class: 'unit empty', ...geometry });
      const v = vals[t * strip.n + k];
      const label = unitTitle(node, name, phase, k, strip.n, v, pre ? pre[t * strip.n + k] : null);
      return h('rect', {
        class: 'unit', ...geometry, 'data-value': exact(v),
        fill: phase === 'forward' ? colour(v, 1) : colour(v, domain, true), role: 'img', 'aria-label': label,
      }, h('title', {}, label));
    });
    return h(
      'g',
      {
        class: `node node-${node.id} is-${stateOf(node[side], stage)}`, 'data-node': node.id, 'data-key': key || null,
      },
      h('rect', {
        class: 'node-box', x: fmt(node.x), y: fmt(node.y), width: fmt(node.w), height: fmt(node.h), rx: 6,
      }),
      h('text', { class: 'node-label', x: fmt(node.x + 6), y: fmt(node.y + 14) },
        h('tspan', { class: 'sym' }, phase === 'forward' ? node.sym : node.bsym),
        h('tspan', { class: 'sub', dy: 3 }, phase === 'forward' ? node.sub : node.bsub)),
      h('text', { class: 'node-name', x: fmt(node.x + 6), y: fmt(node.y + 26) }, name),
      node.fn && phase === 'forward'
        ? h('text', { class: 'node-fn', x: fmt(node.x + node.w - 6), y: fmt(node.y + 14) }, node.fn) : null,
      h('g', { class: 'strip' }, units),
    );
  });
  // --cell-dia-w: the narrowest the picture may be drawn (css/cell.css: in a narrow view it keeps this width
  // and its box scrolls sideways, so that its labels stay at 11 px). The unit squares are smaller than a
  // 24 px tap target; data-target-alternative names their equivalent control, the Previous / Next unit
  // buttons of view.js (WCAG 2.5.8's equivalent exception), which step through every unit like the arrow keys.
  return h(
    'svg',
    {
      class: `cell-diagram phase-${phase}`, viewBox: `0 0 ${dia.width} ${dia.height}`, role: 'group',
      'aria-labelledby': `${id}-dtitle`, 'aria-describedby': `${id}-dhelp`, 'data-phase': phase,
      'data-stage': stage, 'data-step': t, 'data-domain': exact(domain), style: `--cell-dia-w: ${dia.width}px`,
      'data-target-alternative': `${id}-unit-nav`,
    },
    h('title', { id: `${id}-dtitle` }, heading),
    h('desc', { id: `${id}-dhelp` }, HELP),
    h('g', { class: 'wires' }, dia.wires.map((w) => wire(w, side, stage))),
    h('g', { class: 'ops', 'aria-hidden': 'true' }, dia.ops.map((o) => op(o, side, stage))),
    h('g', { class: 'nodes' }, nodes),
    h('text', { class: 'out-label', x: fmt(dia.outX - 6), y: 11 }, phase === 'forward' ? geo.out : geo.outBack),
  );
}
