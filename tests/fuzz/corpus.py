"""Hostile inputs for the fuzz suite: a seeded corpus (the attacks found in issue 13 and their
cousins) and hypothesis strategies that mutate the real examples.

Run longer than CI does (maintainers, before a release):

    VAKTPLAN_FUZZ_EXAMPLES=3000 pytest tests/fuzz -q -p no:cacheprovider

which multiplies the hypothesis examples per property (default 40) and the seeded random
mutations in the corpus (default 24 per kind).
"""

from __future__ import annotations

import copy
import io
import os
import random
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from roster.formats import yamlio
from web.store import example_text

ROOT = Path(__file__).resolve().parents[2]
STAFF_CSV = ROOT / "examples" / "small" / "ansatte.csv"
#: Examples per hypothesis property; the seeded mutations scale with it.
EXAMPLES = int(os.environ.get("VAKTPLAN_FUZZ_EXAMPLES", "40"))
MUTATIONS = max(8, EXAMPLES * 3 // 5)


@cache
def small_text() -> str:
    """examples/small with its five doctors inline (what the web stores)."""
    return example_text("small")


def small_data() -> dict[str, Any]:
    data = yamlio.load(small_text())
    assert isinstance(data, dict)
    return data


def dump(data: Any) -> str:
    return yamlio.dump(data)


# --------------------------------------------------------------------------- YAML


def laughs(depth: int, width: int = 9, key: str = "lol") -> str:
    """A "billion laughs": `depth` levels of aliases, each `width` times the one below."""
    lines = [f"{key}0: &{key}0 [" + ", ".join(['"ha"'] * width) + "]"]
    for i in range(1, depth + 1):
        lines.append(f"{key}{i}: &{key}{i} [" + ", ".join([f"*{key}{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def laughs_in_params(depth: int) -> str:
    """The issue's 4 KB file: the aliases nested under a rule override's params."""
    text = small_text()
    chain = ["    base: &l0 [" + ", ".join(['"ha"'] * 9) + "]"]
    for i in range(1, depth + 1):
        chain.append(f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    override = "rule_overrides:\n  - rule: rest\n    params:\n" + "\n".join(chain) + "\n"
    return text + override


def yaml_corpus() -> Iterator[tuple[str, str]]:
    """(name, text) of hostile plan files."""
    base = small_data()
    yield "example", small_text()
    yield "laughs-9-params", laughs_in_params(9)
    yield "laughs-5-params", laughs_in_params(5)
    yield "laughs-9-top", laughs(9)
    yield "laughs-in-name", small_text().replace("name: ", "name: &n ", 1) + laughs(7, key="x")
    yield "recursive-alias", "a: &a [1, *a]\n"
    yield "recursive-merge", "a: &a\n  b: 1\n  <<: *a\n"
    yield "deep-flow", "name: " + "[" * 5000 + "]" * 5000 + "\n"
    yield "deep-block", "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "x\n"
    yield "too-big", "# " + "x" * (1024 * 1024 + 10) + "\n"
    yield "many-values", "a: [" + "1," * 250_000 + "]\n"
    yield "python-tag", "!!python/object/apply:os.system ['echo hei']\n"
    yield "binary-tag", small_text().replace("name: ", "name: !!binary ", 1)
    yield (
        "timestamp-tag",
        small_text().replace("start: 2027-01-04", "start: !!timestamp 2027-01-04"),
    )
    yield "inf-tag", small_text().replace("points: 2", "points: !!float .inf", 1)
    yield "huge-int", small_text().replace("population: 3800", "population: " + "9" * 5000)
    yield "not-a-table", "- en\n- liste\n"
    yield "two-documents", small_text() + "\n---\nname: to\n"
    yield "empty", ""
    yield "nul-byte", small_text().replace("name: ", "name: \x00", 1)
    yield "bidi", small_text().replace("Fjellvik legevakt", "Fjellvik \u202elegevakt", 1)
    for name, where in (
        ("ruleset-path", "../../../../etc/passwd"),
        ("ruleset-abs", "/etc/hostname"),
        ("ruleset-dots", "norge/../norge"),
        ("ruleset-examples", "../../examples/small/instance"),
    ):
        data = copy.deepcopy(base)
        data["ruleset"] = where
        yield name, dump(data)
    for name, start, end in (
        ("period-9999", "9999-01-01", "9999-12-31"),
        ("period-2100", "2100-01-01", "2100-03-31"),
        ("period-2099-end", "2099-11-01", "2099-12-31"),
        ("period-0001", "0001-01-01", "0001-03-01"),
        ("period-1900", "1900-01-01", "1900-03-01"),
    ):
        data = copy.deepcopy(base)
        data["period"] = {"start": start, "end": end}
        yield name, dump(data)
    for name, field, value in (
        ("name-newline", "name", "Svein\nÅsheim"),
        ("name-formula", "name", '=HYPERLINK("http://example.invalid","Klikk")'),
        ("name-long", "name", "Å" * 200_000),
        ("birth-9999", "birth_date", "9999-12-31"),
        ("birth-0001", "birth_date", "0001-01-01"),
        ("share-huge", "share", 1e308),
        ("fixed-huge", "fixed_shifts", 10**30),
    ):
        data = copy.deepcopy(base)
        data["doctors"][0][field] = value
        yield name, dump(data)
    data = copy.deepcopy(base)
    data["absences"] = [
        {"doctor": "fv-01", "kind": "holiday", "start": "2027-01-10", "end": "9999-12-31"}
    ]
    yield "absence-9999", dump(data)
    data = copy.deepcopy(base)
    data["shift_types"] = [dict(base["shift_types"][0], id=f"t{i}") for i in range(500)]
    yield "many-shift-types", dump(data)
    data = copy.deepcopy(base)
    data["legevakt"]["name"] = "Fjellvik\r\nlegevakt"
    yield "legevakt-newline", dump(data)
    rng = random.Random(13)
    text = small_text()
    for i in range(MUTATIONS):
        yield f"bytes-{i}", _mutate_text(rng, text)


def _mutate_text(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.4:
            chars[pos] = rng.choice("&*!|>{}[]:,-#'\"\n\t %@`\x00\x85\u2028é9")
        elif op < 0.7:
            del chars[pos : pos + rng.randint(1, 40)]
        else:
            chars.insert(pos, rng.choice(["&a ", "*a", "<<: ", "!!str ", "\n  ", ": ", "- ", "?"]))
    return "".join(chars)


# --------------------------------------------------------------------------- staff files


def xlsx(rows: list[list[Any]]) -> bytes:
    """A workbook of these rows (control characters, which a workbook cannot hold, left out)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(parts: dict[str, bytes], declared: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def sheet_xml(body: str) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return f'<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData>{body}</sheetData></worksheet>'.encode()


def with_sheet(sheet: bytes) -> bytes:
    """A real workbook (openpyxl's) whose first sheet is replaced by `sheet`."""
    base = xlsx([["Ansattnr", "Navn"], ["fv-01", "Kari"]])
    source = zipfile.ZipFile(io.BytesIO(base))
    parts = {i.filename: source.read(i.filename) for i in source.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet
    return _zip(parts)


def zip_bomb(unpacked_mb: int) -> bytes:
    """A workbook whose sheet unpacks to `unpacked_mb` MB of XML (compresses ~1000:1)."""
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    filler = b"<!-- " + b"0" * (unpacked_mb * 1024 * 1024) + b" -->"
    ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return with_sheet(
        b'<worksheet xmlns="' + ns + b'"><sheetData>' + row + filler + b"</sheetData></worksheet>"
    )


def staff_corpus() -> Iterator[tuple[str, str, bytes]]:
    """(case, file name, bytes) of hostile staff lists."""
    good = STAFF_CSV.read_bytes()
    text = good.decode("utf-8-sig")
    lines = text.splitlines()
    yield "example", "ansatte.csv", good
    yield (
        "newline-in-name",
        "ansatte.csv",
        text.replace("Svein Åsheim", '"Svein\nÅsheim"', 1).encode(),
    )
    yield (
        "formula-name",
        "ansatte.csv",
        text.replace("Svein Åsheim", '"=HYPERLINK(""http://x"",""Klikk"")"', 1).encode(),
    )
    yield "many-rows", "ansatte.csv", (lines[0] + "\n" + "\n".join([lines[1]] * 6000)).encode()
    yield "blank-lines", "ansatte.csv", (lines[0] + "\n" * 2_000_000).encode()
    yield "many-columns", "ansatte.csv", (lines[0] + ";x" * 100_000 + "\n" + lines[1]).encode()
    yield (
        "huge-field",
        "ansatte.csv",
        (lines[0] + "\n" + lines[1].replace("Svein", "S" * 200_000)).encode(),
    )
    yield "date-9999", "ansatte.csv", text.replace("09.03.1965", "31.12.9999", 1).encode()
    yield "date-0001", "ansatte.csv", text.replace("09.03.1965", "01.01.0001", 1).encode()
    yield "binary", "ansatte.csv", bytes(range(256)) * 40
    yield "utf16-garbage", "ansatte.csv", b"\xff\xfe" + b"\x00\xd8" * 500
    yield "xlsx-example", "ansatte.xlsx", xlsx([line.split(";") for line in lines])
    yield (
        "xlsx-xfd",
        "ansatte.xlsx",
        with_sheet(
            sheet_xml(
                "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, 5001))
            )
        ),
    )
    yield (
        "xlsx-last-row",
        "ansatte.xlsx",
        with_sheet(sheet_xml('<row r="1048576"><c r="A1048576"><v>1</v></c></row>')),
    )
    yield "xlsx-zip-bomb", "ansatte.xlsx", zip_bomb(200)
    yield (
        "xlsx-entities",
        "ansatte.xlsx",
        with_sheet(
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
        ),
    )
    yield "xlsx-not-xml", "ansatte.xlsx", with_sheet(b"\x00\x01 not xml <<<")
    yield "xlsx-truncated", "ansatte.xlsx", xlsx([["Ansattnr"]])[:300]
    rng = random.Random(8)
    for i in range(MUTATIONS):
        data = bytearray(good)
        for _ in range(rng.randint(1, 12)):
            pos = rng.randrange(len(data))
            data[pos : pos + 1] = bytes([rng.choice(b';"\n\r,\t\x00\xff\xc3=+-@')])
        yield f"bytes-{i}", "ansatte.csv", bytes(data)


# --------------------------------------------------------------------------- strategies

#: Values people and attackers type into a field.
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "=1+1",
            "@SUM(A1)",
            "-2+3",
            "+47 900 00 000",
            "Svein\nÅsheim",
            "\x00",
            "../../etc/passwd",
            "9999-12-31",
            "0001-01-01",
            "2100-01-01",
            "31.12.9999",
            "29.02.2027",
            "1e308",
            "NaN",
            "-0",
            "ja",
            "nei",
            "Å" * 500,
        ]
    ),
)
hostile_scalar = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
json_value = st.recursive(
    hostile_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a YAML document's data."""
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(paths(v, (*prefix, i)))
    return out


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out
