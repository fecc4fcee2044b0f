// The d3 functions the widgets use, from the pinned npm packages. `npm ci` bundles this file into one
// ES module (scripts/bundle-d3.mjs, package.json `prepare`); the site serves that bundle as
// unrolled/lib/d3.js and the build's Node process imports the same file, so a first frame drawn at build
// time and the live widget compute their scales, ticks, labels and colours with the same code.
export { range, ticks, tickStep } from 'd3-array';
export { format } from 'd3-format';
export { scaleBand, scaleLinear, scaleLog } from 'd3-scale';
export { interpolatePuOr, interpolateViridis } from 'd3-scale-chromatic';
