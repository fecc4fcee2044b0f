// Hydrates the page's widgets: each static first frame stays until its module and data have loaded.
// Widgets load when they come within reach of the viewport (one and a half screens), so a long article
// downloads only the data its reader gets to. Widget modules export
// `default (state, element) => controller`; `controllers` keeps them by element id, and `ready(id)`
// hydrates a widget on demand (e.g. when an in-browser training cell publishes to it).
import { provide } from 'unrolled/lib/ready.js';

export const controllers = new Map();
const started = new Map();

async function start(figure) {
  const name = figure.dataset.widget;
  try {
    const [module, data] = await Promise.all([
      import(`unrolled/widgets/${name}.js`),
      figure.dataset.src ? fetch(figure.dataset.src).then((r) => {
        if (!r.ok) throw new Error(`${figure.dataset.src}: HTTP ${r.status}`);
        return r.json();
      }) : null,
    ]);
    const options = JSON.parse(figure.dataset.options || '{}');
    const controller = module.default({ data, options, snapshot: Number(figure.dataset.snapshot || 0) }, figure)
      || {};
    controllers.set(figure.id, controller);
    figure.dataset.state = 'ready';
    return controller;
  } catch (error) {
    figure.dataset.state = 'error';
    console.error(`widget ${name} could not start; its static frame stays`, error);
    return null;
  }
}

/** Hydrate `figure` now (once); resolves to its controller, or null if it could not start. */
export function hydrate(figure) {
  if (!started.has(figure.id)) {
    figure.dataset.state = 'loading';
    started.set(figure.id, start(figure));
  }
  return started.get(figure.id);
}

/** The controller of the widget with element id `id`, hydrating it first if needed. */
export function ready(id) {
  const figure = document.getElementById(id);
  return figure && figure.dataset.widget ? hydrate(figure) : Promise.resolve(null);
}

provide(ready);

const nearby = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (entry.isIntersecting) {
      nearby.unobserve(entry.target);
      hydrate(entry.target);
    }
  }
}, { rootMargin: '150% 0px 150% 0px' });

document.querySelectorAll('[data-widget]').forEach((figure) => nearby.observe(figure));
