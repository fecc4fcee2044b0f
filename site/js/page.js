// Hydrates every widget on the page: the static first frame stays until the module has its data.
// Widget modules export `default (state, element) => controller`; controllers are kept by element id
// so live data (e.g. from an in-browser training cell) can later be pushed with `controller.update`.
export const controllers = new Map();

async function hydrate(figure) {
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
    const controller = module.default({ data, options, snapshot: Number(figure.dataset.snapshot || 0) }, figure);
    controllers.set(figure.id, controller || {});
    figure.dataset.state = 'ready';
  } catch (error) {
    figure.dataset.state = 'error';
    console.error(`widget ${name} could not start; its static frame stays`, error);
  }
}

document.querySelectorAll('[data-widget]').forEach(hydrate);
