"""The `unrolled` command: init, new, precompute, build, serve."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .config import load_project


def _precompute(args, project) -> int:
    from unrolled.precompute.runner import precompute
    from unrolled.precompute.spec import load_specs

    from .build import discover

    if args.specs:
        specs = [s for path in args.specs for s in load_specs(path, root=project.root)]
    else:
        specs = list({(s.source, s.name): s for p in discover(project) for s in p.specs.values()}.values())
    start = time.perf_counter()
    outcomes = precompute(specs, project.cache_dir, jobs=args.jobs, force=args.force, show_progress=not args.quiet,
                          engine=project.engine_for(args.jobs))
    counts = {k: sum(o.status == k for o in outcomes) for k in ("done", "cached", "failed")}
    for outcome in outcomes:
        if outcome.status == "failed":
            print(f"run {outcome.name!r} failed:\n{outcome.error}", file=sys.stderr)
    print(f"{len(outcomes)} runs: {counts['done']} done, {counts['cached']} cached, {counts['failed']} failed "
          f"in {time.perf_counter() - start:.1f} s")
    return 1 if counts["failed"] else 0


def _build(args, project) -> int:
    from .build import build

    from .report import format_weights, page_weights

    start = time.perf_counter()
    warn = lambda w: print(str(w).replace("error[", "warning[", 1), file=sys.stderr)  # noqa: E731
    files = build(project, frozen=args.frozen, jobs=args.jobs, show_progress=not args.quiet,
                  strict=getattr(args, "strict", False), warn=warn)
    pages = sum(1 for name in files if name.endswith(".html"))
    if getattr(args, "report", False):
        print(format_weights(page_weights(files)))
    print(f"built {pages} pages ({len(files)} files) into {project.out_dir} in {time.perf_counter() - start:.1f} s")
    return 0


def _serve(args, project) -> int:
    """Build, then serve with live reload and incremental rebuilds; `--no-build` serves the site as it is.

    Stale runs train in the background (unless `--frozen`), so the server listens at once. A failed
    build or run never stops the server: the error is printed here and shown over the open pages.
    """
    from .serve import make_server, url_of

    dev = None
    if args.no_build:
        server = make_server(project.out_dir, args.port, verbose=args.verbose)
    else:
        from .devserver import DevServer

        dev = DevServer(project, frozen=args.frozen, jobs=args.jobs, show_progress=not args.quiet, poll=args.poll)
        dev.initial_build()
        server = dev.make_server(args.port, verbose=args.verbose)
        dev.start_watching()
    live = ", live reload" if dev else ""
    print(f"serving {project.out_dir} at {url_of(server)}  (Ctrl-C to stop{live})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if dev is not None:
            dev.close()
        server.server_close()
    return 0


def _new(args, project) -> int:
    from .scaffold import new_article

    folder = new_article(project, args.name)
    widgets = os.path.relpath(project.widgets_dir, project.root)
    print(f"created {folder.relative_to(project.root)}/index.md and runs.toml (its example widget {{error-strip}} "
          f"is in {widgets}/); run `unrolled serve` to see it")
    return 0


def _init(args, project) -> int:
    from .scaffold import init_project

    created, kept = init_project(Path(args.dir))
    root = Path(args.dir).resolve()
    for path in created:
        print(f"created {path.relative_to(root)}")
    for path in kept:
        print(f"kept    {path.relative_to(root)} (exists)")
    where = "" if root == Path.cwd() else f"cd {args.dir} && "
    print(f"next: {where}unrolled serve   (trains the starter article's runs, builds, serves with live reload)")
    return 0


def _vendor_pyodide(args, project) -> int:
    from .vendor import vendor_pyodide

    done = vendor_pyodide(project, args.dist, tuple(args.package))
    print(f"vendored the Pyodide core and {len(done['packages'])} packages ({', '.join(done['packages'])}) into "
          f"{done['folder']} ({done['bytes'] / 1e6:.1f} MB); cells now load packages from the site itself")
    return 0


def _worker_env(args, project) -> int:
    from unrolled.precompute.numerics import pinned_variables

    for name, value in pinned_variables().items():
        print(f"{name}={value}")
    return 0


def engine_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--engine", choices=("local", "dask"), default=None,
                         help="where stale runs train: this machine's processes (local, the default) or a Dask "
                              "cluster (dask); overrides [precompute] engine in unrolled.toml")
    command.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                         help="the Dask scheduler to use (default: start a local cluster of --jobs workers)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="unrolled", description="Static sites of explorable explanations of "
                                  "recurrent neural networks.")
    top.add_argument("--project", default=".", help="project folder (default: the current folder)")
    sub = top.add_subparsers(dest="command", required=True)
    jobs = max(1, (os.cpu_count() or 1))

    pre = sub.add_parser("precompute", help="train stale runs and export their documents")
    pre.add_argument("specs", nargs="*", metavar="SPEC", help="run spec TOML files (default: every page's runs)")
    pre.add_argument("--jobs", type=int, default=jobs, help=f"parallel runs (default: {jobs})")
    pre.add_argument("--force", action="store_true", help="recompute even when the cache is current")
    pre.add_argument("--quiet", action="store_true", help="no progress bars")
    engine_options(pre)
    pre.set_defaults(func=_precompute)

    bld = sub.add_parser("build", help="precompute what is stale, then build the site")
    bld.add_argument("--frozen", action="store_true", help="fail instead of precomputing stale runs")
    bld.add_argument("--jobs", type=int, default=jobs, help=f"parallel precompute runs (default: {jobs})")
    bld.add_argument("--quiet", action="store_true", help="no progress bars")
    engine_options(bld)
    bld.add_argument("--strict", action="store_true", help="treat warnings (e.g. broken internal links) as errors")
    bld.add_argument("--report", action="store_true", help="print each page's weight (HTML, CSS, JS, data)")
    bld.set_defaults(func=_build)

    ini = sub.add_parser("init", help="create a new project: settings, a starter article, .gitignore and a "
                         "GitHub Pages workflow")
    ini.add_argument("dir", metavar="DIR", help="the project folder (new or empty; in an existing project only "
                     "missing files are added)")
    ini.set_defaults(func=_init, project_free=True)

    new = sub.add_parser("new", help="scaffold an article with a run spec and an example of every directive")
    new.add_argument("name", help="the article's folder name and URL slug, e.g. gates-explained")
    new.set_defaults(func=_new)

    srv = sub.add_parser("serve", help="build, then serve the site on 127.0.0.1")
    srv.add_argument("--port", type=int, default=8000, help="first port to try (default: 8000)")
    srv.add_argument("--no-build", action="store_true", help="serve the existing site as it is")
    srv.add_argument("--frozen", action="store_true", help="fail instead of precomputing stale runs")
    srv.add_argument("--jobs", type=int, default=jobs,
                     help=f"parallel precompute runs, in the background while serving (default: {jobs})")
    srv.add_argument("--quiet", action="store_true", help="no progress bars")
    engine_options(srv)
    srv.add_argument("--verbose", action="store_true", help="log every request")
    srv.add_argument("--poll", type=float, default=0.05, metavar="SECONDS",
                     help="how often to look for changed sources (default: 0.05)")
    srv.set_defaults(func=_serve)

    env = sub.add_parser("worker-env", help="print the environment variables a process must start with to train "
                         "to the same bytes as any other machine (for Dask workers: env $(unrolled worker-env) "
                         "dask worker ...)")
    env.set_defaults(func=_worker_env)

    ven = sub.add_parser("vendor-pyodide", help="copy Pyodide's core, NumPy and the cells' packages from a full "
                         "Pyodide distribution into the project, so its site needs no network")
    ven.add_argument("--dist", required=True, metavar="PATH", help="folder of a full Pyodide 0.29.5 distribution")
    ven.add_argument("--package", action="append", default=[], metavar="NAME",
                     help="another package to vendor (repeatable; numpy and the cells' `packages` always are)")
    ven.set_defaults(func=_vendor_pyodide)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if getattr(args, "project_free", False):
            return args.func(args, None)
        project = load_project(args.project)
        if getattr(args, "engine", None) or getattr(args, "scheduler", None):
            engine = args.engine or ("dask" if args.scheduler else project.engine)
            project = dataclasses.replace(project, engine=engine, scheduler=args.scheduler or project.scheduler)
        return args.func(args, project)
    except UnrolledError as error:
        print(error, file=sys.stderr)
        return 1
