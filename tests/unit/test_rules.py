"""Every rule id the code raises is declared once in unrolled.precompute.rules, and every declared id is used.

The scan reads the sources (generator/, precompute/, site/py/) with `ast`: a rule id is a string given as
`rule=`, as the argument of a parameter named `rule` (positional too, e.g. `DataError(msg, "csv-x-uneven")`;
when the callee is not defined in an enclosing scope, e.g. a `fail` passed in, any argument shaped like an
id), as a parameter's default, as a dict's "rule" value, compared with `.rule`, or assigned to a name `rule`.
An f-string id (`f"config-{key}-unsafe"`) must match at least one declared id.
"""
import ast
import pickle
import re

import pytest

from tests.conftest import ROOT
from unrolled.precompute.errors import SpecError, UnrolledError
from unrolled.precompute.rules import CATEGORIES, RULES

SOURCES = ("generator", "precompute", "site/py")
RULE_SHAPE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)+")  # how an id looks, for calls the scan cannot resolve


def rule_index(node) -> int | None:
    """Index of the positional parameter `rule` of a function (or a class's __init__, self not counted)."""
    if isinstance(node, ast.ClassDef):
        node = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if not isinstance(node, ast.FunctionDef):
        return None
    names = [a.arg for a in node.args.posonlyargs + node.args.args]
    return names.index("rule") - (names[:1] == ["self"]) if "rule" in names else None


def scopes(tree) -> dict:
    """Each node -> its enclosing function or module, and each of those -> {name: rule index} of the
    functions and classes defined directly in it (a local `fail` hides another module's `fail`)."""
    owner, defined = {}, {tree: {}}

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            owner[child] = scope
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                index = rule_index(child)
                if index is not None:
                    defined[scope][child.name] = index
            if isinstance(child, (ast.FunctionDef, ast.Lambda)):
                defined.setdefault(child, {})
                visit(child, child)
            else:
                visit(child, scope)

    visit(tree, tree)
    return owner, defined


def rule_uses(sources: dict[str, str]) -> list[tuple[str, bool, str]]:
    """(id or regex, is_pattern, "file:line") for every rule id written in `sources` (name -> code)."""
    trees = {name: ast.parse(text, name) for name, text in sources.items()}
    scoped = {name: scopes(tree) for name, tree in trees.items()}
    everywhere = {k for _, defined in scoped.values() for names in defined.values() for k in names}
    found = []
    for name, tree in trees.items():
        owner, defined = scoped[name]

        def rule_position(called, node):
            scope = owner.get(node)
            while scope is not None:
                if called in defined.get(scope, {}):
                    return defined[scope][called]
                if not isinstance(scope, ast.Module) and called in {a.arg for a in ast.walk(scope.args)
                                                                    if isinstance(a, ast.arg)}:
                    return None  # a parameter: whichever function the caller passes
                scope = owner.get(scope)
            return None

        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}

        def take(value, line):
            where = f"{name}:{line}"
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append((value.value, False, where))
            elif isinstance(value, ast.JoinedStr):
                found.append(("".join(re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z0-9-]+"
                                      for v in value.values), True, where))
            elif isinstance(value, ast.Name) and value.id in constants:
                found.append((constants[value.id], False, where))
            elif (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "getattr"
                  and len(value.args) == 3):
                take(value.args[2], line)

        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                args = node.args
                positional = args.posonlyargs + args.args
                pairs = [*zip(positional[len(positional) - len(args.defaults):], args.defaults),
                         *((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)]
                for arg, default in pairs:
                    if arg.arg == "rule":
                        take(default, node.lineno)
            elif isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "rule":
                        take(keyword.value, node.lineno)
                called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                position = rule_position(called, node)
                if position is not None and len(node.args) > position:
                    take(node.args[position], node.lineno)
                elif position is None and called in everywhere:  # defined elsewhere, or passed in as `fail`
                    for value in node.args:
                        if isinstance(value, ast.Constant) and RULE_SHAPE.fullmatch(str(value.value)):
                            take(value, node.lineno)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "rule":
                        take(value, node.lineno)
            elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "rule":
                for value in node.comparators:
                    take(value, node.lineno)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == "rule":
                        take(node.value, node.lineno)
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for part, value in zip(target.elts, node.value.elts):
                            if isinstance(part, ast.Name) and part.id == "rule":
                                take(value, node.lineno)
    return found


def project_sources() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for folder in SOURCES for path in sorted((ROOT / folder).rglob("*.py"))
            if path.relative_to(ROOT).parts[:2] != ("precompute", "rules.py")}


USES = rule_uses(project_sources())


def test_every_rule_id_in_the_code_is_declared():
    undeclared = [f"{where}: {rule!r}" for rule, pattern, where in USES if not pattern and rule not in RULES]
    unmatched = [f"{where}: {rule}" for rule, pattern, where in USES
                 if pattern and not any(re.fullmatch(rule, known) for known in RULES)]
    assert not undeclared and not unmatched, "declare these in precompute/rules.py:\n" + "\n".join(
        undeclared + unmatched)


def test_every_declared_rule_id_is_used():
    literals = {rule for rule, pattern, _ in USES if not pattern}
    patterns = [rule for rule, pattern, _ in USES if pattern]
    unused = [known for known in RULES if known not in literals and not any(re.fullmatch(p, known) for p in patterns)]
    assert not unused, f"declared in precompute/rules.py but raised nowhere: {unused}"


def test_the_scan_finds_each_way_of_naming_a_rule():
    code = '''
def fail(message, rule, hint=None): ...
class DataError(ValueError):
    def __init__(self, message, rule): ...
def check(kind, rule="spec-sweep"): ...
OUTSIDE = "path-outside-project"
raise UnrolledError("x", rule="ref-rnu")
fail("x", "spec-typo")
DataError("x", "csv-typo")
error(rule=OUTSIDE)
error(rule=f"config-{key}-unsafe")
info = {"rule": "internal-eror"}
def steps(fail):
    fail("h_t must have shape", "return h_t as (batch, H)", "model-shpe")
'''
    found = {(rule, pattern) for rule, pattern, _ in rule_uses({"sample.py": code})}
    assert found == {("spec-sweep", False), ("path-outside-project", False), ("ref-rnu", False),
                     ("spec-typo", False), ("csv-typo", False), ("internal-eror", False), ("model-shpe", False),
                     (r"config\-[a-z0-9-]+\-unsafe", True)}


def test_an_undeclared_rule_id_fails_loudly():
    with pytest.raises(ValueError, match="ref-rnu"):
        UnrolledError("unknown run", rule="ref-rnu")
    with pytest.raises(ValueError, match="spec-rnage"):
        SpecError("out of range", rule="spec-rnage")
    assert UnrolledError("unknown run", rule="ref-run").rule == "ref-run"


def test_errors_keep_their_rule_across_processes():
    error = pickle.loads(pickle.dumps(SpecError("diverged", file="runs.toml", line=3, rule="run-diverged")))
    assert (error.rule, error.file, error.line) == ("run-diverged", "runs.toml", 3)


def test_every_rule_has_a_category_and_a_meaning():
    for rule in RULES.values():
        assert rule.category in CATEGORIES and rule.meaning.strip(), rule
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id), rule.id
