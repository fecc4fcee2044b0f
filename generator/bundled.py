"""The npm files an installed Unrolled carries, so a build needs no `npm ci` (standard library only:
`setup.py` reads this file to copy them into the wheel; `js.py` and `vendor.py` read them from here)."""
from pathlib import Path

#: the checkout's node_modules (filled by `npm ci`), or the wheel's copy at the same place: unrolled/node_modules
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"

#: what `loadPyodide` fetches; copied into sites with Python cells
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")

#: KaTeX's faces, self-hosted as woff2 by generator/assets.py (readers fetch only the faces a page uses)
KATEX_FONTS = ("AMS-Regular", "Caligraphic-Bold", "Caligraphic-Regular", "Fraktur-Bold", "Fraktur-Regular",
               "Main-Bold", "Main-BoldItalic", "Main-Italic", "Main-Regular", "Math-BoldItalic", "Math-Italic",
               "SansSerif-Bold", "SansSerif-Italic", "SansSerif-Regular", "Script-Regular", "Size1-Regular",
               "Size2-Regular", "Size3-Regular", "Size4-Regular", "Typewriter-Regular")

#: the d3 bundle `npm ci` makes from site/bundles/d3.js (scripts/bundle-d3.mjs), served as unrolled/lib/d3.js
D3_BUNDLE = NODE_MODULES / ".unrolled" / "d3.js"

#: npm package -> its files the generator reads (KaTeX's CommonJS build renders math in the Node worker;
#: its stylesheet and fonts typeset it in the page; the d3 bundle draws figures in both places)
NPM_FILES = {
    ".unrolled": ("d3.js",),
    "katex": ("package.json", "LICENSE", "dist/katex.js", "dist/katex-swap.min.css",
              *(f"dist/fonts/KaTeX_{face}.woff2" for face in KATEX_FONTS)),
    "pyodide": ("package.json", *PYODIDE_CORE),
}
