"""`unrolled.generator.devchanges`: which changed files ask for which rebuild, which pages a changed run
spec sends back to the renderer, and which files the watcher looks at."""
from pathlib import Path

from unrolled.generator.build import TEMPLATES, load_page
from unrolled.generator.config import SITE_SOURCES, load_project
from unrolled.generator.devchanges import Work, affected, classify, watched_roots

SPEC = '[run.{name}]\ndataset = "sine"\ncell = "rnn"\nhidden = 3\nwindow = 6\nsequences = 10\nbatch = 5\nepochs = 1\n'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def project_with_specs(root: Path):
    """alpha names a spec beside it, beta one outside the content folder, gamma none."""
    write(root / "content" / "alpha" / "runs.toml", SPEC.format(name="a"))
    write(root / "shared" / "runs.toml", SPEC.format(name="b"))
    sources = [write(root / "content" / "alpha" / "index.md", "---\ntitle: Alpha\nruns: [runs.toml]\n---\n\nA.\n"),
               write(root / "content" / "beta" / "index.md", "---\ntitle: Beta\nruns: [../../shared/runs.toml]\n---\n\nB.\n"),
               write(root / "content" / "gamma" / "index.md", "---\ntitle: Gamma\n---\n\nC.\n")]
    project = load_project(root)
    return project, {source: load_page(project, source) for source in sources}


def test_a_changed_spec_sends_back_exactly_the_pages_naming_it(tmp_path):
    project, pages = project_with_specs(tmp_path)
    alpha, beta, gamma = pages
    shared = tmp_path / "content" / ".." / "shared" / "runs.toml"  # as a watcher might spell it
    assert affected(pages, Work(specs={shared})) == {beta}
    assert affected(pages, Work(specs={tmp_path / "content" / "alpha" / "runs.toml"})) == {alpha}
    assert affected(pages, Work(sources={gamma}, specs={shared})) == {beta, gamma}
    assert affected(pages, Work(specs={tmp_path / "other.toml"})) == set()


def test_the_watcher_adds_spec_files_named_from_outside_the_content_folder(tmp_path):
    project, pages = project_with_specs(tmp_path)
    roots = watched_roots(project, pages.values(), package=False)
    assert roots == [project.content_dir, project.templates_dir, project.root / "unrolled.toml",
                     (tmp_path / "shared" / "runs.toml").resolve()]
    assert watched_roots(project, (), package=True)[3:] == [TEMPLATES, SITE_SOURCES]


def test_pages_added_or_deleted_and_files_that_are_not_pages_ask_for_a_full_build(tmp_path):
    project, _ = project_with_specs(tmp_path)
    content = project.content_dir
    edited, added = str(content / "alpha" / "index.md"), str(content / "delta" / "index.md")
    assert classify(project, {edited}) == Work(sources={Path(edited)})
    assert classify(project, {edited, added}, appeared_or_vanished={added}) == Work(
        full=True, sources={Path(edited), Path(added)})
    assert classify(project, {str(content / "alpha" / "notes" / "index.md")}).full  # not a page: too deep
    assert classify(project, {str(project.root / "shared" / "runs.toml")}) == Work(specs={project.root / "shared" / "runs.toml"})
    assert classify(project, {str(project.root / "unrolled.toml")}) == Work(full=True, config=True)


def test_failed_work_merges_into_the_next():
    kept = Work(sources={Path("a/index.md")}, specs={Path("a/runs.toml")})
    merged = kept.merge(Work(config=True, full=True, sources={Path("b/index.md")}))
    assert merged == Work(full=True, config=True, sources={Path("a/index.md"), Path("b/index.md")},
                          specs={Path("a/runs.toml")})
