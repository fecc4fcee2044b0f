// Resolves the site's bare specifiers in Node exactly as the page's import map does in the browser.
let imports = {};

export function initialize(data) {
  imports = data.imports;
}

export function resolve(specifier, context, next) {
  if (!Object.hasOwn(imports, specifier)) return next(specifier, context);
  return { url: imports[specifier], format: 'module', shortCircuit: true }; // the site's .js files are ES modules
}
