"""README's access section is the policy: its tables are rendered from api.domain.access_rules and
api.domain.field_policy, and a change to either without `python -m api access-tables --write`
fails here."""

from __future__ import annotations

from pathlib import Path

from api.domain.access_readme import END, START, render

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_access_tables_match_the_policy() -> None:
    text = README.read_text(encoding="utf-8")
    assert START in text, "README lost its generated access tables"
    section = text[text.index(START):text.index(END) + len(END)]
    assert section == render(), "README's access tables are stale: run `python -m api access-tables --write`"


def test_the_tables_name_every_field_a_peer_supporter_receives_of_a_client() -> None:
    row = next(line for line in render().splitlines() if line.startswith("| client (`/v1/clients`"))
    for field in ("`name`", "`kana`", "`phone`", "`emergency_contacts`"):
        assert field in row
    assert "`diagnoses`" not in row
    assert "`notes`" not in row
