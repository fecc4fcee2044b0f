"""The npm files an installed Unrolled carries, so a build needs no `npm ci` (standard library only:
`setup.py` reads this file to copy them into the wheel, and `vendor.py` serves the Pyodide core)."""

#: what `loadPyodide` fetches; copied into sites with Python cells
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")

#: npm package -> its files the generator reads (KaTeX's CommonJS build renders math in the Node worker)
NPM_FILES = {
    "katex": ("package.json", "LICENSE", "dist/katex.js"),
    "pyodide": ("package.json", *PYODIDE_CORE),
}
