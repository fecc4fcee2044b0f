"""The claim and value expression language: metric references, numbers, arithmetic, comparisons, and/or,
min/max/abs, and nothing else; it is parsed with `ast` and walked, never evaluated by Python."""
import pytest

from unrolled.generator.expressions import ExpressionError, parse
from unrolled.generator.inline_values import MINUS, format_value, split
from unrolled.generator.metrics import METRICS, find_refs, ref_of


def evaluate(text, **values):
    """Evaluate `text` with metric values given by reference text (dashes and dots as written)."""
    expression = parse(text)
    return expression.evaluate({name: values[ref.text.replace("-", "_").replace(".", "_").replace("[", "_")
                                              .replace("]", "")] for name, ref in expression.refs.items()})


def test_references_keep_dashed_run_names_and_indices():
    refs = [ref_of(m) for m in find_refs("sine-lr-low.loss.validation[20] < lorem.bpc.final - 1")]
    assert [(r.run, r.metric, r.index) for r in refs] == [("sine-lr-low", "loss.validation", 20),
                                                          ("lorem", "bpc.final", None)]
    assert find_refs("1.5 + 2e-3") == []
    assert ref_of(find_refs("a.horizon.p90[4]")[0]).metric == "horizon.p90"
    assert [ref_of(m).run for m in find_refs("a.loss.final-b-c.loss.final")] == ["a", "b-c"]


@pytest.mark.parametrize("text, expected", [
    ("a.loss.final < a.loss.validation[0] / 10", True),
    ("a.loss.final * 10 > a.loss.validation[0]", False),
    ("a.loss.final < 1 and not a.loss.final > 2", True),
    ("a.loss.final > 1 or a.loss.validation[0] > 0.5", True),
    ("0 < a.loss.final < a.loss.validation[0] < 0.5", False),
    ("abs(a.loss.final - a.loss.validation[0]) > 0.58", True),
    ("max(a.loss.final, 0.2) - min(a.loss.final, 0.2, 3) > 0.18", True),
    ("-a.loss.final + +1", 0.99),
])
def test_evaluates_the_allowed_forms(text, expected):
    assert evaluate(text, a_loss_final=0.01, a_loss_validation_0=0.6) == pytest.approx(expected)


@pytest.mark.parametrize("text, words", [
    ("sine.loss.__class__", "attribute access"),
    ("().__class__.__bases__", "attribute access"),
    ("sine.loss.final.__class__", "attribute access"),
    ("open('x')", "only min(), max() and abs() may be called"),
    ("__import__('os').system('true')", "only min(), max() and abs() may be called"),
    ("sine.loss.final.__add__(1)", "may be called"),
    ("min(sine.loss.final)", "at least two numbers"),
    ("abs(a.loss.final, 1)", "abs() takes one number"),
    ("max(*[1, 2])", "plain arguments"),
    ("min", "must be called"),
    ("x < 1", "'x' is not a metric reference"),
    ("sine < 1", "'sine' is not a metric reference"),
    ("'text' == 'text'", "only numbers"),
    ("True", "only numbers"),
    ("a.loss.final ** 2", "Pow is not allowed"),
    ("a.loss.final % 2", "Mod is not allowed"),
    ("[1, 2]", "List is not allowed"),
    ("lambda: 1", "Lambda is not allowed"),
    ("1 if a.loss.final else 2", "IfExp is not allowed"),
    ("(a.loss.final)[0]", "Subscript is not allowed"),
    ("__ref0__ < 1", "reserved"),
    ("a.loss.final <", "not an expression"),
])
def test_rejects_everything_else(text, words):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert words in str(info.value)


def test_division_by_zero_is_an_error_not_a_crash():
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate("a.loss.final / (a.loss.final - a.loss.final)", a_loss_final=1.0)


def test_failed_comparisons_describe_both_sides():
    expression = parse("a.loss.final < a.loss.validation[0] / 10")
    names = list(expression.refs)
    lines = expression.describe({names[0]: 0.5, names[1]: 2.0})
    assert lines == ["a.loss.final = 0.5", "a.loss.validation[0] = 2", "compared: 0.5 < 0.2"]


@pytest.mark.parametrize("value, fmt, shown", [
    (0.012345, ".3f", "0.012"),
    (-0.5, ".2f", MINUS + "0.50"),
    (0.0001, ".0e", "1e" + MINUS + "04"),
    (0.2567, ".0%", "26%"),
    (20, "", "20"),
    (20.0, "d", "20"),
    (1234.5678, "", "1.23e+03"),
    (0.5436, "", "0.544"),
])
def test_formats(value, fmt, shown):
    assert format_value(value, fmt) == shown


@pytest.mark.parametrize("value, fmt, words", [
    (0.5, "d", "whole numbers"), (0.5, "{}", "not a number format"), (0.5, ".3s", "not a number format"),
    (True, "", "not a value"),
])
def test_format_errors(value, fmt, words):
    with pytest.raises(ValueError, match=words):
        format_value(value, fmt)


def test_format_follows_the_last_colon():
    assert split("a.loss.final / 2:.3f") == ("a.loss.final / 2", ".3f")
    assert split("a.loss.final") == ("a.loss.final", "")


def test_a_metric_registers_once():
    from unrolled.generator.metrics import metric

    with pytest.raises(ValueError, match="registered twice"):
        metric("loss.final")(lambda docs, index: 0.0)


def test_metrics_registry_has_one_entry_per_name_and_documents_each():
    assert {"loss.train", "loss.validation", "loss.final", "loss.min", "bpc", "bpc.final", "rollout.mse",
            "window.mse", "spec.lr", "spec.epochs"} <= set(METRICS)
    assert all(m.doc for m in METRICS.values())
