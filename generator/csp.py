"""The Content-Security-Policy every page carries in a `<meta http-equiv>` tag.

Scripts run only from the site itself or when they are the page's own inline scripts, allowed by their
sha256 (the import map); JSON data blocks are not executed and need no entry. No `'unsafe-inline'` for
scripts in any `raw_html` mode, so inline event handlers, `javascript:` URLs and any `<script>` that got
into the page never run. Styles may be inline: figures carry `style=` attributes for their geometry.
Pages with Python cells may also compile WebAssembly and fetch packages from the configured base.
"""
from __future__ import annotations

import base64
import hashlib


def script_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def policy(inline_scripts: list[str], packages_url: str | None = None) -> str:
    """The page's policy; `packages_url` (absolute, or "" for the site itself) when it has Python cells."""
    scripts = ["'self'", *map(script_hash, inline_scripts)]
    connect = ["'self'"]
    if packages_url is not None:
        scripts.append("'wasm-unsafe-eval'")
        if packages_url.startswith(("http://", "https://")):  # a relative base is the site itself: 'self'
            scripts.append(packages_url)
            connect.append(packages_url)
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],  # KaTeX's fonts, self-hosted
        "img-src": ["'self'", "data:", "https:"],
        "connect-src": connect,
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())
