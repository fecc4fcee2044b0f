"""A small, safe expression language over run metrics, for `{val}` and `{claim}`.

`sine.loss.validation[20] < sine.loss.validation[0] / 10 and abs(sine.loss.final - sine-b.loss.final) < 0.1`

Metric references (generator/metrics.py) are replaced by placeholder names, then the text is parsed with
Python's `ast` and walked: only numbers, metric references, `+ - * /`, comparisons, `and`/`or`/`not` and
calls of `min`, `max` and `abs` are allowed. Nothing is ever passed to `eval`.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass

from .metrics import Ref, find_refs, ref_of

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
FUNCTIONS = {"min": min, "max": max, "abs": abs}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
           ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
HINT = ("allowed: metric references such as sine.loss.validation[20], numbers, + - * /, comparisons, "
        "and/or/not, min(), max(), abs()")
PREFIX = "__ref"


class ExpressionError(ValueError):
    """Text that is not an expression of the language; `str()` says what, HINT says what is allowed."""


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.Expression
    refs: dict[str, Ref]  # placeholder name -> reference

    def evaluate(self, values: dict[str, float]):
        """Evaluate with `values` (placeholder name -> number); returns a number or a bool."""
        return _eval(self.tree.body, values)

    def describe(self, values: dict[str, float], fmt=lambda v: f"{v:.6g}") -> list[str]:
        """`ref = value` for each reference, then each comparison's two sides, for error messages."""
        lines = [f"{ref.text} = {fmt(values[name])}" for name, ref in self.refs.items()]
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                parts = [f"{fmt(_eval(sides[0], values))}"]
                for op, side in zip(node.ops, sides[1:]):
                    parts.append(f"{SYMBOLS[type(op)]} {fmt(_eval(side, values))}")
                lines.append("compared: " + " ".join(parts))
        return lines


def parse(text: str) -> Expression:
    """Parse and check `text`; raises ExpressionError naming the first thing the language does not allow."""
    if PREFIX in text:
        raise ExpressionError(f"names starting with {PREFIX!r} are reserved")
    refs: dict[str, Ref] = {}
    pieces, last = [], 0
    for match in find_refs(text):
        name = f"{PREFIX}{len(refs)}__"
        refs[name] = ref_of(match)
        pieces += [text[last:match.start()], name]
        last = match.end()
    source = "".join(pieces) + text[last:]
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not an expression: {exc.msg}") from None
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        _check(node, refs, called)
    return Expression(text.strip(), tree, refs)


def _check(node: ast.AST, refs: dict, called: set) -> None:
    if isinstance(node, (ast.Expression, ast.Load, ast.And, ast.Or)) or type(node) in BINARY \
            or type(node) in COMPARE or type(node) in UNARY:
        return
    if isinstance(node, (ast.BoolOp, ast.Compare)):
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in BINARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        return
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in UNARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"only numbers are allowed as constants, not {node.value!r}")
        return
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS and id(node) not in called:
            raise ExpressionError(f"{node.id} must be called, e.g. {node.id}(a, b)")
        if node.id not in refs and node.id not in FUNCTIONS:
            raise ExpressionError(f"{node.id!r} is not a metric reference (write RUN.METRIC, e.g. {node.id}.loss.final)")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError("only min(), max() and abs() may be called")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"{node.func.id}() takes plain arguments")
        if node.func.id == "abs" and len(node.args) != 1 or node.func.id != "abs" and len(node.args) < 2:
            raise ExpressionError("abs() takes one number" if node.func.id == "abs"
                                  else f"{node.func.id}() needs at least two numbers")
        return
    if isinstance(node, ast.Attribute):
        raise ExpressionError(f"attribute access .{node.attr} is not allowed (is {node.attr!r} a metric of a run?)")
    raise ExpressionError(f"{type(node).__name__} is not allowed")


def _eval(node: ast.AST, values: dict):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, values), _eval(node.right, values)
        if isinstance(node.op, ast.Div) and right == 0:
            raise ExpressionError("division by zero")
        return BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        return UNARY[type(node.op)](_eval(node.operand, values))
    if isinstance(node, ast.BoolOp):
        results = (_eval(v, values) for v in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, side in zip(node.ops, node.comparators):
            right = _eval(side, values)
            if not COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*(_eval(a, values) for a in node.args))
    raise ExpressionError(f"{type(node).__name__} is not allowed")  # unreachable after parse()
