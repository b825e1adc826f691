"""Fuzz: plan files and staff lists through the command line. Every input ends in exit 0 or
exit 2 with a Norwegian message, within the budget; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from legevakt.cli import app as cli
from tests.fuzz.budget import assert_cli_answer, budget
from tests.fuzz.corpus import staff_corpus, yaml_corpus

YAML = list(yaml_corpus())
STAFF = list(staff_corpus())


@pytest.mark.parametrize(("case", "text"), YAML, ids=[c for c, _ in YAML])
def test_plan_files_on_the_command_line(tmp_path: Path, case: str, text: str) -> None:
    path = tmp_path / "instance.yaml"
    path.write_text(text, encoding="utf-8")
    with budget(case):
        result = CliRunner().invoke(cli, ["validate", str(path)])
    assert_cli_answer(case, result)


@pytest.mark.parametrize(("case", "name", "data"), STAFF, ids=[c for c, _, _ in STAFF])
def test_staff_lists_on_the_command_line(tmp_path: Path, case: str, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with budget(case):
        result = CliRunner().invoke(cli, ["import-staff", str(path)])
    assert_cli_answer(case, result)
