"""`unrolled new NAME`: a new article folder with a run spec and an example of every directive, and the
project's own example widget (in its widgets folder, when not there yet);
`unrolled init DIR`: a new project around such an article, ready to publish."""
from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .config import Project
from .urls import SLUG

TEMPLATES = Path(__file__).with_name("scaffold")


def new_article(project: Project, name: str) -> Path:
    """Create content/NAME/{index.md, runs.toml} and the example widget the article uses; never overwrites
    anything."""
    if not SLUG.match(name):
        raise UnrolledError(f"article name {name!r} is not a URL-friendly slug", rule="new-name",
                            hint="use lower-case letters, digits and '-', e.g. `unrolled new gates-explained`")
    folder = project.content_dir / name
    if folder.resolve() == project.widgets_dir.resolve():
        raise UnrolledError(f"{name!r} is the project's widgets folder", file=folder, rule="new-name",
                            hint="choose another name for the article")
    if folder.exists():
        raise UnrolledError("this article already exists", file=folder, rule="new-exists",
                            hint="choose another name, or edit the existing article")
    title = name.replace("-", " ").capitalize()
    date = _dt.date.today()
    folder.mkdir(parents=True)
    (folder / "index.md").write_text((TEMPLATES / "index.md").read_text().format(title=title, date=date.isoformat()))
    (folder / "runs.toml").write_text((TEMPLATES / "runs.toml").read_text())
    new_widget(project)
    return folder


def new_widget(project: Project) -> list[Path]:
    """The example widget (`{error-strip}`) in the project's widgets folder; files already there are kept."""
    project.widgets_dir.mkdir(parents=True, exist_ok=True)
    created = []
    for source in sorted((TEMPLATES / "widgets").iterdir()):
        target = project.widgets_dir / source.name
        if not target.exists():
            target.write_bytes(source.read_bytes())
            created.append(target)
    return created


# -- unrolled init DIR ---------------------------------------------------------------------------------
PROJECT_FILES = {"unrolled.toml": "unrolled.toml", ".gitignore": "gitignore", ".github/workflows/pages.yml": "pages.yml"}
STARTER = "first-article"


def is_project(folder: Path) -> bool:
    return (folder / "unrolled.toml").is_file() or (folder / "content").is_dir()


def init_project(folder: Path) -> tuple[list[Path], list[Path]]:
    """A new project in `folder` (missing or empty): settings, a starter article with its runs, a
    .gitignore and a GitHub Pages workflow. In an existing project only the missing files are added
    (the article only when there is no content/). Returns (created, kept); never overwrites anything."""
    from importlib import metadata

    from unrolled.precompute.documents import torch_version

    folder = Path(folder).resolve()
    if folder.exists() and not folder.is_dir():
        raise UnrolledError("this is a file, not a folder", file=folder, rule="init-not-folder",
                            hint="name a new or empty folder, e.g. `unrolled init mysite`")
    if folder.is_dir() and any(folder.iterdir()) and not is_project(folder):
        raise UnrolledError("this folder is not empty and is not an Unrolled project (it has no unrolled.toml "
                            "and no content/)", file=folder, rule="init-not-empty",
                            hint="name a new or empty folder; nothing was written")
    title = folder.name.replace("-", " ").replace("_", " ").strip().capitalize() or "Unrolled"
    values = {"title": json.dumps(title, ensure_ascii=False), "version": metadata.version("unrolled"),
              "torch": torch_version()}
    created, kept = [], []
    project = Project(folder)
    starter = not project.content_dir.exists()
    for target, source in PROJECT_FILES.items():
        path = folder / target
        if path.exists():
            kept.append(path)
            continue
        text = (TEMPLATES / "project" / source).read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        created.append(path)
    if starter:
        article = new_article(project, STARTER)
        created += [article / "index.md", article / "runs.toml"] + sorted(project.widgets_dir.iterdir())
    return created, kept
