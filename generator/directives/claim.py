"""```{claim}```: a finding stated as a check on the data, evaluated at build time beside the sentence it backs.

Each body line is one comparison in the expression language of generator/expressions.py, e.g.
`sine.loss.validation[20] < sine.loss.validation[0] / 10`; `#` starts a comment line. A claim that does not
hold fails the build with its line and the measured values. It shows nothing, unless `mark: true` adds a
small "checked" note listing what was checked.
"""
from __future__ import annotations

import ast
from html import escape

from unrolled.precompute.errors import UnrolledError

from ..expressions import HINT, ExpressionError, parse
from ..metrics import page_lookup
from . import Directive, Opt, register


def claims(block) -> list[tuple[int, str]]:
    """(line, text) of each claim in the body."""
    lines = block.body.split("\n")
    return [(block.body_line + k, text.strip()) for k, text in enumerate(lines)
            if text.strip() and not text.strip().startswith("#")]


def check(block, ctx, line: int, text: str) -> None:
    try:
        expression = parse(text)
    except ExpressionError as exc:
        raise UnrolledError(f"claim `{text}`: {exc}", file=block.file, line=line, rule="claim-syntax",
                            hint=HINT) from None
    if not isinstance(expression.tree.body, (ast.Compare, ast.BoolOp)) and not (
            isinstance(expression.tree.body, ast.UnaryOp) and isinstance(expression.tree.body.op, ast.Not)):
        raise UnrolledError(f"claim `{text}` is a number, not a comparison", file=block.file, line=line,
                            rule="claim-syntax", hint="state the finding as a comparison, e.g. a < b / 10")
    lookup = page_lookup(ctx)
    values = {name: lookup.value(ref, file=block.file, line=line) for name, ref in expression.refs.items()}
    try:
        holds = expression.evaluate(values)
    except ExpressionError as exc:
        raise UnrolledError(f"claim `{text}`: {exc}", file=block.file, line=line, rule="claim-syntax",
                            hint=HINT) from None
    if not holds:
        measured = "\n  ".join(expression.describe(values))
        raise UnrolledError(f"claim does not hold: {text}\n  {measured}", file=block.file, line=line,
                            rule="claim-false", hint="the data disagrees with the text: rewrite the sentence and "
                            "its claim to say what the data shows (or change the runs)")


def render(block, ctx) -> str:
    found = claims(block)
    if not found:
        raise block.error("{claim} needs a body: one comparison per line", rule="directive-body",
                          hint="after the option lines, write e.g. `sine.loss.final < sine.loss.validation[0]`")
    for line, text in found:
        check(block, ctx, line, text)
    if not block.options["mark"]:
        return ""
    items = "".join(f"<li><code>{escape(text)}</code></li>" for _, text in found)
    return (f'<details class="claim"><summary><span aria-hidden="true">✓</span> Checked against the data '
            f'at build time</summary><ul>{items}</ul></details>')


register(Directive(
    name="claim",
    doc="A finding as a check on the data: every body line must hold, or the build fails.",
    options={"mark": Opt(bool, False, doc="`true` adds a small \"checked against the data\" note listing "
                                          "the checks")},
    body="code",
    render=render,
))
