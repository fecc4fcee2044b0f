"""The npm files an installed Unrolled carries, so a build needs no `npm ci` (standard library only:
`setup.py` reads this file to copy them into the wheel; `js.py` and `vendor.py` read them from here)."""
from pathlib import Path

#: the checkout's node_modules (filled by `npm ci`), or the wheel's copy at the same place: unrolled/node_modules
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"

#: what `loadPyodide` fetches; copied into sites with Python cells
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")

#: npm package -> its files the generator reads (KaTeX's CommonJS build renders math in the Node worker)
NPM_FILES = {
    "katex": ("package.json", "LICENSE", "dist/katex.js"),
    "pyodide": ("package.json", *PYODIDE_CORE),
}
