"""A rule is five things with one id (docs/architecture): this test fails if one is missing.

For every rule id in roster.rules.RULE_PARAMS:
1. parameters in the shipped rule set roster/rulesets/norge.yaml, with a Norwegian title and a
   source (name, and a valid_from date for each version);
2. a solver builder: solver.builders.BUILDERS, or STATIC_RULES (rules applied by leaving out
   the variables they forbid);
3. a check in roster.checker.CHECKS;
4. tests named `test_<rule id>_<case>`: in tests/roster/test_rules.py at least one that holds
   and one that breaks, and at least one in tests/solver/test_*.py;
5. a mention in backticks in docs/regler.md, the leaders' documentation.

Also: no stray ids in the registries, and the checker (all of roster/) never imports the
solver, OR-Tools or the web layer.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from roster.checker import CHECKS
from roster.rules import RULE_PARAMS, SOFT_RULES, load_ruleset
from solver.builders import BUILDERS, STATIC_RULES

ROOT = Path(__file__).resolve().parent.parent
RULE_TESTS = ROOT / "tests" / "roster" / "test_rules.py"
SOLVER_TESTS = ROOT / "tests" / "solver"
REGLER = ROOT / "docs" / "regler.md"

#: Top-level packages roster/ must never import (the checker is the solver's oracle).
FORBIDDEN_IN_ROSTER = {"solver", "ortools", "fastapi", "starlette", "web", "legevakt"}


def _missing(label: str, ids: list[str], hint: str) -> str:
    return f"{len(ids)} rule(s) without {label}: {', '.join(ids)}\n  -> {hint}"


def _test_names(paths: list[Path]) -> list[str]:
    """Names of test functions (module level and in classes) in the given files."""
    names: list[str] = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test_"
            ):
                names.append(node.name)
    return names


def _tests_by_rule(names: list[str]) -> dict[str, list[str]]:
    """Group test names by rule id. The longest id wins, so `test_age_exemption_local_x`
    counts for age_exemption_local and not for age_exemption."""
    by_rule: dict[str, list[str]] = {r: [] for r in RULE_PARAMS}
    longest_first = sorted(RULE_PARAMS, key=len, reverse=True)
    for name in names:
        rule = next((r for r in longest_first if name.startswith(f"test_{r}_")), None)
        if rule is not None:
            by_rule[rule].append(name)
    return by_rule


# --------------------------------------------------------------------------- 1. rule set


def test_every_rule_has_parameters_and_sources_in_the_shipped_ruleset() -> None:
    ruleset = load_ruleset("norge")
    problems: list[str] = []
    shipped = {r.id for r in ruleset.rules}
    for rule_id in RULE_PARAMS:
        if rule_id not in shipped:
            problems.append(f"{rule_id}: not in roster/rulesets/norge.yaml")
            continue
        rule = ruleset.rule(rule_id)
        if not rule.versions:
            problems.append(f"{rule_id}: no versions")
        for v in rule.versions:
            where = f"{rule_id} (valid_from {v.valid_from})"
            if not v.source.name.strip():
                problems.append(f"{where}: source without a name")
            if not v.in_force:
                # a period the rule did not apply must say why (a transition, not yet law)
                if not v.source.note.strip():
                    problems.append(f"{where}: not in force, but the source has no note")
                continue
            # parameters must be valid for the rule's parameter model (the loader checks this
            # too; repeated here so the five things are asserted in one place)
            RULE_PARAMS[rule_id].model_validate(v.params)
    unknown = sorted(shipped - set(RULE_PARAMS))
    if unknown:
        problems.append(f"rule set has ids unknown to roster.rules.RULE_PARAMS: {unknown}")
    assert not problems, "\n".join(problems)


def test_every_rule_has_a_norwegian_title_and_description() -> None:
    ruleset = load_ruleset("norge")
    empty = [r.id for r in ruleset.rules if not r.title.strip() or not r.description.strip()]
    assert not empty, f"rules with an empty title or description in norge.yaml: {empty}"


def test_soft_rules_are_known_rules() -> None:
    assert SOFT_RULES <= set(RULE_PARAMS), sorted(SOFT_RULES - set(RULE_PARAMS))


# --------------------------------------------------------------------------- 2. builder


def test_every_rule_has_a_solver_builder() -> None:
    built = set(BUILDERS) | set(STATIC_RULES)
    missing = [r for r in RULE_PARAMS if r not in built]
    assert not missing, _missing(
        "a solver builder",
        missing,
        "add it to solver.builders.BUILDERS (or STATIC_RULES if it only removes variables)",
    )


def test_solver_registries_name_only_known_rules() -> None:
    stray = sorted((set(BUILDERS) | set(STATIC_RULES)) - set(RULE_PARAMS))
    assert not stray, f"solver.builders names rule ids not in RULE_PARAMS: {stray}"


# --------------------------------------------------------------------------- 3. check


def test_every_rule_has_a_check() -> None:
    missing = [r for r in RULE_PARAMS if r not in CHECKS]
    stray = sorted(set(CHECKS) - set(RULE_PARAMS))
    assert not missing, _missing("a check", missing, "add check_<rule id> to roster.checker.CHECKS")
    assert not stray, f"roster.checker.CHECKS names rule ids not in RULE_PARAMS: {stray}"


# --------------------------------------------------------------------------- 4. tests


def test_every_rule_has_checker_tests_that_hold_and_break() -> None:
    by_rule = _tests_by_rule(_test_names([RULE_TESTS]))
    problems = []
    for rule_id, names in by_rule.items():
        holds = [n for n in names if "_holds" in n]
        breaks = [n for n in names if "_breaks" in n]
        if len(names) < 2 or not holds or not breaks:
            problems.append(
                f"{rule_id}: {len(holds)} holding, {len(breaks)} breaking test(s) "
                f"(need test_{rule_id}_holds_... and test_{rule_id}_breaks_...)"
            )
    assert not problems, f"in {RULE_TESTS.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_every_rule_has_a_solver_test() -> None:
    files = sorted(SOLVER_TESTS.glob("test_*.py"))
    by_rule = _tests_by_rule(_test_names(files))
    missing = [r for r, names in by_rule.items() if not names]
    assert not missing, _missing(
        "a solver test",
        missing,
        "add def test_<rule id>_<case>() to tests/solver/test_*.py",
    )


# --------------------------------------------------------------------------- 5. documentation


def test_every_rule_is_documented_for_leaders() -> None:
    text = REGLER.read_text(encoding="utf-8")
    mentioned = set(re.findall(r"`([a-z0-9_]+)`", text))
    missing = [r for r in RULE_PARAMS if r not in mentioned]
    assert not missing, _missing(
        "documentation", missing, "add a section with the id in backticks to docs/regler.md"
    )


# --------------------------------------------------------------------------- layering


def test_roster_never_imports_solver_ortools_or_web() -> None:
    offenders: list[str] = []
    for path in sorted((ROOT / "roster").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for m in modules:
                if m.split(".")[0] in FORBIDDEN_IN_ROSTER:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {m}")
    assert not offenders, "roster/ must stay pure:\n" + "\n".join(offenders)
