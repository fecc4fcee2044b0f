"""What a set of changed files asks the dev server to rebuild, and which files are worth watching.

A page's `index.md` asks for that page to be re-read; a run spec (`*.toml` other than `unrolled.toml`
and the project's widget specs) for the pages naming it; `unrolled.toml` for a full build with the settings re-read; a page file added
or deleted, or anything else (templates, `site/`, other content files) for a full build, since only a
full build is sure to match what `unrolled build` would write.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .build import TEMPLATES, Page
from .config import SITE_SOURCES, Project


@dataclass
class Work:
    """What a set of changed files asks for; failed work is kept and merged into the next."""

    full: bool = False
    config: bool = False
    sources: set[Path] = field(default_factory=set)  # page `index.md` files (changed, added or removed)
    specs: set[Path] = field(default_factory=set)  # run spec files that changed

    def merge(self, other: "Work") -> "Work":
        return Work(self.full or other.full, self.config or other.config, self.sources | other.sources,
                    self.specs | other.specs)


def classify(project: Project, changed: Iterable[str], appeared_or_vanished: set[str] = frozenset()) -> Work:
    """Page sources and spec files that changed; a page added or deleted, or anything else, is "full"."""
    work = Work()
    content = project.content_dir
    for name in changed:
        path = Path(name)
        if path == project.root / "unrolled.toml":
            work.full = work.config = True
        elif path.name == "index.md" and (path.parent == content or path.parent.parent == content):
            work.sources.add(path)
            work.full = work.full or name in appeared_or_vanished  # discovery decides (e.g. the front page)
        elif path.suffix == ".toml" and path.parent != project.widgets_dir:  # a widget's spec: full
            work.specs.add(path)
        else:  # templates, site assets, any other content file
            work.full = True
    return work


def spec_files(page: Page) -> set[Path]:
    """The run spec files a page names, resolved."""
    return {(page.source.parent / entry).resolve() for entry in page.meta.runs}


def affected(pages: dict[Path, Page], work: Work) -> set[Path]:
    """The page sources to re-read: the changed ones, and every page naming a changed spec file."""
    specs = {p.resolve() for p in work.specs}
    return set(work.sources) | {src for src, page in pages.items() if spec_files(page) & specs}


def watched_roots(project: Project, pages: Iterable[Page], *, package: bool = True) -> list[Path]:
    """The content folder, the project's templates, `unrolled.toml`, the package's templates and `site/`
    (unless `package` is False), and the spec files pages name from outside the content folder."""
    roots = [project.content_dir, project.templates_dir, project.root / "unrolled.toml"]
    if project.content_dir not in project.widgets_dir.parents:  # widgets kept outside the content folder
        roots.append(project.widgets_dir)
    if package:
        roots += [TEMPLATES, SITE_SOURCES]
    content = str(project.content_dir.resolve()) + os.sep
    return roots + sorted({s for p in pages for s in spec_files(p) if not str(s).startswith(content)})
