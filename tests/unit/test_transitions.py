import dataclasses

import pytest

from api.domain.transitions import IllegalTransition, TransitionTable

LAMP: TransitionTable[str] = TransitionTable(
    {
        "switch_on": ({"off"}, "on"),
        "switch_off": ({"on"}, "off"),
        "unplug": ({"on", "off"}, "unplugged"),
        "dim": ({"on"}, None),
    }
)


def test_target_follows_the_table() -> None:
    assert LAMP.target("off", "switch_on") == "on"
    assert LAMP.target("on", "switch_off") == "off"
    assert LAMP.target("on", "unplug") == "unplugged"
    assert LAMP.target("off", "unplug") == "unplugged"


def test_none_target_keeps_the_status() -> None:
    assert LAMP.target("on", "dim") == "on"


def test_allowed_actions_are_sorted() -> None:
    assert LAMP.allowed_actions("on") == ["dim", "switch_off", "unplug"]
    assert LAMP.allowed_actions("off") == ["switch_on", "unplug"]
    assert LAMP.allowed_actions("unplugged") == []
    assert LAMP.allowed_actions("nonsense") == []


def test_illegal_transition_names_the_allowed_actions() -> None:
    with pytest.raises(IllegalTransition) as caught:
        LAMP.target("off", "switch_off")
    err = caught.value
    assert (err.current, err.action, err.allowed_actions) == ("off", "switch_off", ["switch_on", "unplug"])
    assert "switch_on, unplug" in str(err)


def test_unknown_action_is_an_illegal_transition() -> None:
    with pytest.raises(IllegalTransition) as caught:
        LAMP.target("on", "explode")
    assert caught.value.allowed_actions == ["dim", "switch_off", "unplug"]


def test_terminal_status_allows_nothing() -> None:
    with pytest.raises(IllegalTransition) as caught:
        LAMP.target("unplugged", "switch_on")
    assert caught.value.allowed_actions == []
    assert "none" in str(caught.value)


def test_is_allowed() -> None:
    assert LAMP.is_allowed("off", "switch_on")
    assert not LAMP.is_allowed("on", "switch_on")
    assert not LAMP.is_allowed("on", "explode")


def test_pairs_lists_every_legal_move() -> None:
    assert LAMP.pairs() == [
        ("off", "switch_on", "on"),
        ("off", "unplug", "unplugged"),
        ("on", "dim", "on"),
        ("on", "switch_off", "off"),
        ("on", "unplug", "unplugged"),
    ]
    assert LAMP.actions == ["dim", "switch_off", "switch_on", "unplug"]


def test_table_cannot_be_changed_after_building() -> None:
    rules = {"go": ({"a"}, "b")}
    table: TransitionTable[str] = TransitionTable(rules)
    rules["go"] = ({"b"}, "c")
    assert table.target("a", "go") == "b"
    with pytest.raises(TypeError):
        table.rules["go"] = (frozenset({"x"}), "y")  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.rules = {}  # type: ignore[misc]


def test_bare_string_sources_are_refused() -> None:
    # "on" would otherwise silently mean the statuses "o" and "n".
    with pytest.raises(TypeError, match="collection"):
        TransitionTable({"go": ("on", "off")})
