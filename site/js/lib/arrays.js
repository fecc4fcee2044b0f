// Decodes the documents' compact arrays ({dtype, shape, data: base64 little-endian}); plain arrays
// (e.g. streamed from an in-browser run) pass through unchanged.
const TYPES = {
  float64: Float64Array, float32: Float32Array, int32: Int32Array, uint8: Uint8Array,
};

export function decode(value) {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return value;
  const Type = TYPES[value.dtype];
  if (!Type) throw new Error(`unsupported dtype ${value.dtype}`);
  const bytes = Uint8Array.from(atob(value.data), (c) => c.charCodeAt(0));
  return new Type(bytes.buffer);
}
