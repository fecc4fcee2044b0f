"""What author input may turn into a URL of the site: link and image targets, and article slugs.

A link whose scheme runs code when clicked (`javascript:`, `vbscript:`, `data:text/html`, ...) is a build
error, however it is spelled: entities, mixed case, tabs or newlines inside the scheme are undone first,
as the browser would. Allowed: http, https, mailto, relative URLs and fragments; images may also be
`data:image/...` in a raster format (never SVG).
"""
from __future__ import annotations

import html
import re

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from unrolled.precompute.errors import UnrolledError, line_of

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_DATA = re.compile(r"^data:image/(?:png|jpeg|gif|webp|avif)[;,]", re.I)
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
IGNORED = re.compile(r"[\t\n\r]")  # the URL parser drops these anywhere
EDGES = "".join(map(chr, range(0x21))) + "\x7f"  # ... and C0 controls and spaces at both ends
URL_HINT = "use an http(s), mailto or relative URL, or a fragment (#section); images may also be data:image/png etc."


def unsafe_scheme(url: str, *, image: bool = False) -> str | None:
    """The scheme of `url` if it is not allowed (e.g. 'javascript'), else None. `url` may hold entities."""
    text = IGNORED.sub("", html.unescape(url)).strip(EDGES)
    match = SCHEME.match(text)
    if match is None:
        return None  # relative URL or fragment
    scheme = match[1].lower()
    if scheme in SCHEMES or (image and IMAGE_DATA.match(text)):
        return None
    return scheme


def check_url(url: str, *, image: bool, file, line: int | None) -> None:
    """Raise the `url-scheme` error for an unsafe link or image target."""
    scheme = unsafe_scheme(url, image=image)
    if scheme is not None:
        what = "image source" if image else "link target"
        raise UnrolledError(f"{what} {url!r} uses the {scheme}: scheme, which is not allowed", file=file, line=line,
                            rule="url-scheme", hint=URL_HINT)


def check_slug(folder) -> None:
    """An article folder's name becomes its URL: the same rule as `unrolled new`."""
    if not SLUG.match(folder.name):
        raise UnrolledError(f"article folder name {folder.name!r} is not a URL-friendly slug", file=folder,
                            rule="content-slug", hint="rename the folder with lower-case letters, digits and '-', "
                            "e.g. gates-explained")


class LinkCheck(Treeprocessor):
    """Every `<a href>` and `<img src>` the Markdown made, checked after escapes are undone."""

    def __init__(self, md, source: str, text: str, offset: int):
        super().__init__(md)
        self.source, self.text, self.offset = source, text, offset

    def run(self, root):
        for element in root.iter():
            if element.tag not in ("a", "img"):
                continue
            image = element.tag == "img"
            url = element.get("src" if image else "href")
            if url is not None and unsafe_scheme(url, image=image):
                line = (line_of(self.text, url, self.offset)
                        or line_of(self.text.lower(), url.strip()[:4].lower(), self.offset))
                check_url(url, image=image, file=self.source, line=line)


class LinkCheckExtension(Extension):
    def __init__(self, source: str, text: str, offset: int):
        super().__init__()
        self.args = (source, text, offset)

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.treeprocessors.register(LinkCheck(md, *self.args), "unrolled_links", -1)  # after `unescape` (0)
