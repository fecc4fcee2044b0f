"""Named numbers of a run (`sine.loss.validation[20]`, `lorem.bpc.final`, `sine.spec.lr`), looked up once
for both inline values and claims, so prose and checks read the same exported data.

A reference is `RUN.METRIC` or `RUN.METRIC[N]`; METRIC names an entry of `METRICS`, and N is an epoch or a
snapshot epoch when the metric takes one. A new derived metric registers here with `@metric(...)` and is
at once usable in `{val}` and `{claim}`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from unrolled.precompute.errors import UnrolledError
from unrolled.precompute.spec import OPTIONS

#: `RUN.METRIC` or `RUN.METRIC[N]`; run names as in unrolled.precompute.spec (no dots), metric segments lower-case.
REF = re.compile(r"(?<![\w.])(?P<run>[a-z0-9][a-z0-9_-]*)(?P<metric>(?:\.[a-z][a-z0-9_]*)+)(?:\[\s*(?P<index>\d+)\s*\])?")


@dataclass(frozen=True)
class Metric:
    """One named number of a run: what it reads, whether it takes an epoch or snapshot index, for which data."""

    name: str
    compute: Callable  # (Docs, index or None) -> float
    index: str | None = None  # None | "epoch" | "snapshot"
    kinds: tuple = ("function", "text")
    doc: str = ""
    document: str = "predictions"  # the document whose snapshots an index names; "horizon" needs `horizon` set


METRICS: dict[str, Metric] = {}


class MetricError(Exception):
    """A reference the run's data cannot answer; the lookup reports it at the reference's file and line."""

    def __init__(self, message: str, rule: str, hint: str):
        super().__init__(message)
        self.rule, self.hint = rule, hint


def metric(name: str, *, index: str | None = None, kinds: tuple = ("function", "text"), doc: str = "",
           document: str = "predictions"):
    """Register `compute(docs, index)` as the metric `name` (decorator)."""
    def register(compute):
        if name in METRICS:
            raise ValueError(f"metric {name!r} is registered twice")
        METRICS[name] = Metric(name, compute, index, kinds, doc, document)
        return compute
    return register


class Docs:
    """The documents of one run, loaded only when a metric asks for them."""

    def __init__(self, spec, load):
        self.spec, self._load, self._docs = spec, load, {}

    def __getitem__(self, kind: str) -> dict:
        if kind not in self._docs:
            self._docs[kind] = self._load(kind)
        return self._docs[kind]

    @property
    def kind(self) -> str:
        return "text" if self.spec.is_text else "function"

    def epochs(self) -> list[int]:
        return [int(e) for e in self["run"]["loss"]["epoch"]]

    def snapshot_epochs(self, document: str = "predictions") -> list[int]:
        return [int(s["epoch"]) for s in self[document]["snapshots"]]

    def snapshot(self, epoch: int, document: str = "predictions") -> dict:
        return next(s for s in self[document]["snapshots"] if int(s["epoch"]) == epoch)


def _loss(docs: Docs, which: str) -> np.ndarray:
    return np.asarray(docs["run"]["loss"][which], dtype=np.float64)


def _at(docs: Docs, which: str, epoch: int) -> float:
    return float(_loss(docs, which)[docs.epochs().index(epoch)])


metric("loss.train", index="epoch", doc="mean training batch loss during epoch N")(
    lambda d, e: _at(d, "train", e))
metric("loss.validation", index="epoch", doc="loss on the validation set after epoch N")(
    lambda d, e: _at(d, "validation", e))
metric("loss.final", doc="validation loss after the last epoch")(lambda d, _: float(_loss(d, "validation")[-1]))
metric("loss.min", doc="lowest validation loss of any epoch")(lambda d, _: float(_loss(d, "validation").min()))
metric("loss.min_epoch", doc="the epoch with the lowest validation loss")(
    lambda d, _: d.epochs()[int(np.argmin(_loss(d, "validation")))])
metric("bpc", index="epoch", kinds=("text",), doc="validation cross-entropy after epoch N in bits per character")(
    lambda d, e: _at(d, "validation", e) / math.log(2))
metric("bpc.final", kinds=("text",), doc="validation bits per character after the last epoch")(
    lambda d, _: float(_loss(d, "validation")[-1]) / math.log(2))


def _unigram(docs: Docs) -> float:
    """The baseline a text model must beat: the cross-entropy (nats per character) of the validation text
    when each character is predicted by its frequency in the training text, from the run's exported counts.
    Frequencies are add-one smoothed over the vocabulary, (n_c + 1) / (N + V), so a character the training
    text never shows (a tab in one held-out block) costs a finite amount, as it does for the model."""
    counts = docs["run"]["task"].get("counts")
    if counts is None:
        raise MetricError(f"unigram needs a corpus' character counts, and dataset {docs.spec.dataset!r} has none "
                          "(recall draws fresh episodes)", "ref-kind", "cite the unigram baseline of a corpus run")
    train = np.asarray(counts["train"], np.float64)
    seen = np.asarray(counts["validation"], np.float64)
    p = (train + 1.0) / (train.sum() + len(train))
    return float(-np.sum(seen / seen.sum() * np.log(p)))


metric("unigram", kinds=("text",), doc="cross-entropy (nats/char) of the validation text predicted by the "
       "training text's add-one smoothed character frequencies: the baseline of loss.final and loss.validation[E]")(
    lambda d, _: _unigram(d))
metric("unigram.bpc", kinds=("text",), doc="the unigram baseline in bits per character, the unit of bpc")(
    lambda d, _: _unigram(d) / math.log(2))


def _rollout(docs: Docs, epoch: int) -> dict:
    rollout = docs.snapshot(epoch).get("rollout")
    if rollout is None:
        raise MetricError("this run has no roll-out (a CSV series with several input columns, or no held-out "
                          "rows after the window)", "ref-kind", "use window.mse, or a run with one input column")
    return rollout


metric("rollout.mse", index="snapshot", kinds=("function",),
       doc="mean squared error of the autoregressive roll-out at snapshot N")(
    lambda d, e: float(np.mean((np.asarray(_rollout(d, e)["prediction"], np.float64)
                                - np.asarray(_rollout(d, e)["target"], np.float64)) ** 2)))
metric("rollout.std", index="snapshot", kinds=("function",),
       doc="standard deviation of the roll-out's values at snapshot N (near 0: a flat line)")(
    lambda d, e: float(np.std(np.asarray(_rollout(d, e)["prediction"], np.float64))))
metric("rollout.target_std", kinds=("function",), doc="standard deviation of the wave the roll-out should continue")(
    lambda d, _: float(np.std(np.asarray(_rollout(d, d.snapshot_epochs()[0])["target"], np.float64))))
metric("rollout.steps", kinds=("function",), doc="length of the roll-out")(
    lambda d, _: len(_rollout(d, d.snapshot_epochs()[0])["prediction"]))
metric("window.mse", index="snapshot", kinds=("function",),
       doc="mean squared error on the plotted validation window at snapshot N")(
    lambda d, e: float(np.mean(np.asarray(d.snapshot(e)["error"], np.float64) ** 2)))
metric("window.std", index="snapshot", kinds=("function",),
       doc="standard deviation of the predictions on the plotted window at snapshot N (near 0: flat)")(
    lambda d, e: float(np.std(np.asarray(d.snapshot(e)["prediction"], np.float64))))
metric("window.target_std", kinds=("function",), doc="standard deviation of the plotted window's targets")(
    lambda d, _: float(np.std(np.asarray(d["predictions"]["snapshots"][0]["target"], np.float64))))
metric("window.correct", index="snapshot", kinds=("text",),
       doc="characters of the plotted validation window predicted right at snapshot N")(
    lambda d, e: int(np.sum(np.asarray(d.snapshot(e)["prediction"]) == np.asarray(d.snapshot(e)["target"]))))

# An author's CSV series (dataset csv): its shape and axis from the run document, and errors in its real
# units (value · scale + shift), so prose can name years and counts rather than normalised numbers.
def _series(docs: Docs) -> dict:
    series = docs["run"]["task"].get("series")
    if series is None:
        raise MetricError(f"series metrics describe a CSV series; this run's dataset is "
                          f"{docs['run']['task']['dataset']!r}", "ref-kind", "use it with a run of dataset \"csv\"")
    return series


def _target_scale(docs: Docs) -> float:
    series = _series(docs)
    return series["scale"][series["columns"].index(series["target"])]


def _rms(values) -> float:
    return float(np.sqrt(np.mean(np.square(np.asarray(values, np.float64)))))


for _name, _doc, _read in (
        ("rows", "rows of the series", lambda s: s["rows"]),
        ("train_rows", "rows training windows are drawn from (the first part)", lambda s: s["train_rows"]),
        ("validation_rows", "rows held out at the end (validation windows and the plotted window)",
         lambda s: s["validation_rows"]),
        ("x_first", "x of the first row", lambda s: s["x_start"]),
        ("x_last", "x of the last row", lambda s: s["x_start"] + s["x_step"] * (s["rows"] - 1)),
        ("x_holdout", "x of the first held-out row", lambda s: s["x_start"] + s["x_step"] * s["train_rows"]),
        ("x_step", "x step between rows", lambda s: s["x_step"])):
    metric(f"series.{_name}", kinds=("function",), doc=f"CSV runs: {_doc}")(
        lambda d, _, read=_read: read(_series(d)))
metric("window.rmse", index="snapshot", kinds=("function",),
       doc="CSV runs: root mean squared error on the plotted window at snapshot N, in the series' units")(
    lambda d, e: _rms(d.snapshot(e)["error"]) * _target_scale(d))
metric("window.naive_rmse", kinds=("function",),
       doc="CSV runs: the same for the naive forecast 'next value = this value', in the series' units")(
    lambda d, _: _rms(np.asarray(d["predictions"]["snapshots"][0]["input"], np.float64)
                      - np.asarray(d["predictions"]["snapshots"][0]["target"], np.float64)) * _target_scale(d))
metric("rollout.rmse", index="snapshot", kinds=("function",),
       doc="CSV runs: root mean squared error of the roll-out at snapshot N, in the series' units")(
    lambda d, e: _rms(np.asarray(_rollout(d, e)["prediction"], np.float64)
                      - np.asarray(_rollout(d, e)["target"], np.float64)) * _target_scale(d))


# Gradient reach, from the `horizon` document (runs with `horizon` set). A group is `ih`, `hh` (the layer's
# input and recurrent weights), `h` (its state) or `input` (the connectivity of the output to the input);
# the layer groups read the first layer. Distances d run from 0 to T - 2, so T - 1 of them are measured.
REACH_GROUPS = {"ih": "‖∂L_t/∂W_ih^(t−d)‖", "hh": "‖∂L_t/∂W_hh^(t−d)‖", "h": "‖∂L_t/∂h_(t−d)‖",
                "input": "‖∂ŷ_t/∂x_(t−d)‖"}
#: distances at which `reach.GROUP.dD[S]` is registered: near, middle and far back in a 128-step window
REACH_DISTANCES = (1, 2, 5, 10, 20, 30, 50, 100)


def _reach(docs: Docs, epoch: int, group: str) -> dict:
    snap = docs.snapshot(epoch, "horizon")
    if group == "input":
        return snap["connectivity"]
    return snap["layers"][0]["H" if group == "h" else group]


def _distances(docs: Docs) -> int:
    return len(docs["horizon"]["distance"])


def _horizon(docs: Docs, epoch: int, group: str) -> int:
    found = _reach(docs, epoch, group)["horizon"]
    return _distances(docs) if found is None else int(found)


def _ratio_at(docs: Docs, epoch: int, group: str, d: int) -> float:
    if d >= _distances(docs):
        raise MetricError(f"the horizon document measures distances 0 to {_distances(docs) - 1} only, not {d}",
                          "ref-distance", "trace longer sequences (`trace_window`) or cite a nearer distance")
    return float(np.asarray(_reach(docs, epoch, group)["ratio"]["mean"], np.float64)[d])


def _recall_accuracy(docs: Docs, epoch: int) -> float:
    if docs.spec.dataset != "recall":
        raise MetricError(f"recall.accuracy applies to dataset 'recall' only, not {docs.spec.dataset!r}",
                          "ref-kind", "cite the accuracy of a recall run, or bpc for a corpus")
    accuracy = np.asarray(docs.snapshot(epoch, "horizon")["accuracy"], np.float64)
    return float(accuracy[docs.spec.delay:].mean())


metric("horizon.distances", document="horizon",
       doc="number of distances the horizon document measures (T − 1): what horizon.* reads when never reached")(
    lambda d, _: _distances(d))
metric("horizon.threshold", document="horizon", doc="the ratio below which a horizon is reached (horizon_threshold)")(
    lambda d, _: float(d["horizon"]["threshold"]))
for _group, _quantity in REACH_GROUPS.items():
    metric(f"horizon.{_group}", index="snapshot", document="horizon",
           doc=f"first distance d whose mean ratio {_quantity} / (same at d = 0) is below the threshold at "
               "snapshot N; horizon.distances when it never is (the reach outlasts the window)")(
        lambda d, e, group=_group: _horizon(d, e, group))
    for _d in REACH_DISTANCES:
        metric(f"reach.{_group}.d{_d}", index="snapshot", document="horizon",
               doc=f"mean ratio {_quantity} / (same at d = 0) at distance d = {_d}, snapshot N")(
            lambda d, e, group=_group, dist=_d: _ratio_at(d, e, group, dist))
metric("recall.accuracy", index="snapshot", kinds=("text",), document="horizon",
       doc="recall runs: share of held-out queries (steps t ≥ delay) answered with the key at snapshot N")(
    _recall_accuracy)
def _setting(docs: Docs, key: str):
    value = docs.spec.values[key]
    if isinstance(value, list):  # hidden = [8, 4]: one size per layer
        raise MetricError(f"spec.{key} of this run is a list, {value}, not one number", "ref-kind",
                          "cite spec.layers, or write the sizes out in the text")
    return value


for _key, _option in OPTIONS.items():  # the run's settings: sine.spec.lr, sine.spec.layers, ...
    if _option.kind in (int, float):
        metric(f"spec.{_key}", doc=_option.doc)(lambda d, _, key=_key: _setting(d, key))


@dataclass(frozen=True)
class Ref:
    run: str
    metric: str
    index: int | None
    text: str


def find_refs(text: str) -> list[re.Match]:
    return list(REF.finditer(text))


def ref_of(match: re.Match) -> Ref:
    index = match["index"]
    return Ref(match["run"], match["metric"][1:], int(index) if index is not None else None, match[0])


def known() -> str:
    """The registry as a hint, the reach family written once."""
    shown = [m.name + {"epoch": "[EPOCH]", "snapshot": "[SNAPSHOT]", None: ""}[m.index]
             for m in METRICS.values() if not m.name.startswith("reach.")]
    shown.append(f"reach.GROUP.dD[SNAPSHOT] (GROUP one of {', '.join(REACH_GROUPS)}; "
                 f"D one of {', '.join(map(str, REACH_DISTANCES))})")
    return ", ".join(shown)


class Lookup:
    """Resolves references against one page's runs; errors name `file` and `line`."""

    def __init__(self, specs: dict, load: Callable):
        self.specs, self.load = specs, load  # load(spec, kind) -> decoded document
        self._docs: dict[str, Docs] = {}

    def value(self, ref: Ref, *, file: str, line: int | None):
        def fail(message, rule, hint):
            raise UnrolledError(f"{ref.text}: {message}", file=file, line=line, rule=rule, hint=hint)

        if ref.run not in self.specs:
            fail(f"unknown run {ref.run!r}", "ref-run",
                 "runs defined for this page: " + (", ".join(sorted(self.specs)) or "none (no `runs:` in the front matter)"))
        found = METRICS.get(ref.metric)
        if found is None:
            fail(f"unknown metric {ref.metric!r}", "ref-metric", f"known metrics: {known()}")
        if found.index and ref.index is None:
            fail(f"{ref.metric} needs {'an epoch' if found.index == 'epoch' else 'a snapshot'}", "ref-metric",
                 f"write {ref.run}.{ref.metric}[N] with N the {found.index}'s epoch")
        if not found.index and ref.index is not None:
            fail(f"{ref.metric} takes no index", "ref-metric", f"write {ref.run}.{ref.metric}")
        spec = self.specs[ref.run]
        if ref.run not in self._docs:
            self._docs[ref.run] = Docs(spec, lambda kind: self.load(spec, kind))
        docs = self._docs[ref.run]
        if docs.kind not in found.kinds:
            fail(f"{ref.metric} applies to {' or '.join(found.kinds)} data only; {ref.run!r} is {docs.kind} data",
                 "ref-kind", "use a metric of this kind of run, e.g. " +
                 ("bpc for text, rollout.mse for functions" if "spec" not in ref.metric else "loss.final"))
        if found.index == "epoch" and ref.index not in docs.epochs():
            fail(f"run {ref.run!r} has no epoch {ref.index}", "ref-epoch",
                 f"epochs run from 0 to {docs.epochs()[-1]}")
        if found.document == "horizon" and not spec.values.get("horizon"):
            fail(f"{ref.metric} reads the horizon document, and run {ref.run!r} exports none", "ref-horizon",
                 f"set `horizon = 32` (held-out sequences to trace) in the [run.{ref.run}] table")
        if found.index == "snapshot":
            snaps = [int(s["epoch"]) for s in docs[found.document]["snapshots"]]
            if ref.index not in snaps:
                fail(f"run {ref.run!r} has no snapshot at epoch {ref.index}", "ref-snapshot",
                     f"use one of the exported epochs {snaps}, or add it to the run's `snapshots` list")
        try:
            return found.compute(docs, ref.index)
        except MetricError as exc:
            fail(str(exc), exc.rule, exc.hint)


def page_lookup(ctx) -> Lookup:
    """The lookup of a page being rendered (one per page, sharing the build's loaded documents)."""
    if getattr(ctx, "lookup", None) is None:
        ctx.lookup = Lookup(ctx.page.specs, lambda spec, kind: ctx.site.document(spec, kind, decode=True))
    return ctx.lookup
