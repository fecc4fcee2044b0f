"""Site assets copied with content hashes in their names, and the import map that finds them.

Modules import each other through bare specifiers (`unrolled/lib/plot.js`); the per-page import map
resolves them to hashed files, so a changed module never needs its importers renamed.

d3 (scales, ticks, number formats, colour maps) is one bundle `npm ci` makes from the pinned packages
(`site/bundles/d3.js`), served as `unrolled/lib/d3.js` and imported by the build's Node process too.

KaTeX's stylesheet and fonts come from the pinned npm package (node_modules/katex/dist), self-hosted and
hashed like the rest: woff2 only (every current browser reads it) and `font-display: swap`, so text
shows at once. The browser fetches only the faces a page's math uses; pages without math do not link
the stylesheet at all.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .config import SITE_SOURCES
from .bundled import D3_BUNDLE
from .js import NODE_MODULES

KATEX_DIST = NODE_MODULES / "katex" / "dist"
MATH_CSS = "katex/katex.css"  # the key of KaTeX's stylesheet in Assets.urls
FONT_SRC = re.compile(r'src:url\(fonts/([\w-]+)\.woff2\) format\("woff2"\)(?:,url\([^)]*\) format\("[\w-]+"\))*')
HASHED_DIRS = ("css", "js")
DEV_ONLY = "js/dev/"  # the dev server's live-reload client, served from source by `unrolled serve` only


def short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


@dataclass
class Assets:
    files: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes
    urls: dict[str, str] = field(default_factory=dict)  # source path (e.g. js/page.js) -> output path
    sources: dict[str, Path] = field(default_factory=dict)  # source path -> file, for those not in site/

    def url(self, source: str, prefix: str) -> str:
        return prefix + self.urls[source]

    def import_map(self, prefix: str) -> dict:
        return {"imports": {specifier(src): prefix + out for src, out in self.modules()}}

    def node_imports(self, root: Path = SITE_SOURCES) -> dict[str, str]:
        """The same specifiers resolved to the source files, for rendering first frames in Node; the
        content hash rides along as a query, so an edited module is a different mapping."""
        return {specifier(src): f"{self.sources.get(src, root / src).resolve().as_uri()}?{out.rsplit('.', 2)[-2]}"
                for src, out in self.modules()}

    def add(self, source: str, path: Path) -> None:
        """A file from outside site/ (a project's own widget) under the source path it is known by."""
        data = path.read_bytes()
        out = f"assets/{Path(source).with_suffix('').as_posix()}.{short_hash(data)}{path.suffix}"
        self.files[out] = data
        self.urls[source] = out
        self.sources[source] = path

    def modules(self) -> list[tuple[str, str]]:
        return [(src, out) for src, out in sorted(self.urls.items()) if src.startswith("js/")]


def specifier(source: str) -> str:
    """The bare specifier of a site module: js/lib/plot.js is imported as unrolled/lib/plot.js."""
    return f"unrolled/{source[3:]}"


def collect(root: Path = SITE_SOURCES) -> Assets:
    assets = Assets()
    for folder in HASHED_DIRS:
        for path in sorted((root / folder).rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and path.suffix in {".js", ".css", ".svg"} and not rel.startswith(DEV_ONLY):
                data = path.read_bytes()
                out = f"assets/{path.relative_to(root).with_suffix('').as_posix()}.{short_hash(data)}{path.suffix}"
                assets.files[out] = data
                assets.urls[rel] = out
    add_d3(assets, root)
    add_katex(assets)
    return assets


def add_d3(assets: Assets, root: Path = SITE_SOURCES, bundle: Path = D3_BUNDLE) -> None:
    """The d3 bundle as unrolled/lib/d3.js, refused when it is missing or was made from an older entry."""
    entry = root / "bundles" / "d3.js"
    if not bundle.is_file():
        raise UnrolledError("the d3 bundle is missing from node_modules", file=bundle, rule="node-missing",
                            hint="run scripts/setup (its `npm ci` bundles d3)")
    data = bundle.read_bytes()
    digest = hashlib.sha256(entry.read_bytes()).hexdigest() if entry.is_file() else None
    if digest and f"sha256:{digest}".encode() not in data.split(b"\n", 1)[0]:
        raise UnrolledError("the d3 bundle was made from another version of site/bundles/d3.js", file=bundle,
                            rule="node-missing", hint="run `npm run prepare` (or scripts/setup) to bundle it again")
    assets.add("js/lib/d3.js", bundle)


def add_katex(assets: Assets, dist: Path = KATEX_DIST) -> None:
    """KaTeX's stylesheet with each @font-face reduced to its woff2 file, renamed with its hash."""
    source = dist / "katex-swap.min.css"
    if not source.is_file():
        raise UnrolledError("KaTeX's stylesheet is missing from node_modules", file=source, rule="node-missing",
                            hint="run scripts/setup (it runs `npm ci`)")
    css = source.read_text(encoding="utf-8")

    def woff2(match: re.Match) -> str:
        data = (dist / "fonts" / f"{match[1]}.woff2").read_bytes()
        name = f"{match[1]}.{short_hash(data)}.woff2"
        assets.files[f"assets/katex/fonts/{name}"] = data
        return f'src:url(fonts/{name}) format("woff2")'

    css, faces = FONT_SRC.subn(woff2, css)
    urls = re.findall(r"url\(([^)]*)\)", css)
    if not faces or faces != css.count("@font-face") or faces != css.count("font-display:swap") or any(
            not re.fullmatch(r"fonts/KaTeX_[\w-]+\.[0-9a-f]{12}\.woff2", url) for url in urls):
        raise UnrolledError("KaTeX's stylesheet has an unexpected shape", file=source, rule="node-missing",
                            hint="install the KaTeX version pinned in package-lock.json (`npm ci`)")
    data = css.encode("utf-8")
    out = f"assets/katex/katex.{short_hash(data)}.css"
    assets.files[out] = data
    assets.urls[MATH_CSS] = out


def script_json(obj) -> str:
    """JSON safe inside a <script> element: no `</script>`, no `<!--`, no U+2028/9 surprises."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
