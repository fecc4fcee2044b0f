"""`unrolled new NAME`: a new article folder with a run spec and an example of every directive."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .config import Project
from .urls import SLUG

TEMPLATES = Path(__file__).with_name("scaffold")


def new_article(project: Project, name: str) -> Path:
    """Create content/NAME/{index.md, runs.toml}; never overwrites anything."""
    if not SLUG.match(name):
        raise UnrolledError(f"article name {name!r} is not a URL-friendly slug", rule="new-name",
                            hint="use lower-case letters, digits and '-', e.g. `unrolled new gates-explained`")
    folder = project.content_dir / name
    if folder.exists():
        raise UnrolledError("this article already exists", file=folder, rule="new-exists",
                            hint="choose another name, or edit the existing article")
    title = name.replace("-", " ").capitalize()
    date = _dt.date.today()
    folder.mkdir(parents=True)
    (folder / "index.md").write_text((TEMPLATES / "index.md").read_text().format(title=title, date=date.isoformat()))
    (folder / "runs.toml").write_text((TEMPLATES / "runs.toml").read_text())
    return folder
