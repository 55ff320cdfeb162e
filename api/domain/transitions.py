"""A status machine written down as a table of actions.

Each machine (episode, referral, meeting) keeps its whole table in one
literal, so the rules can be read and reviewed in one place; whatever an
action causes besides the status change lives with the service that runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, TypeVar

__all__ = ["IllegalTransition", "TransitionTable"]

S = TypeVar("S", bound=str)


class IllegalTransition(Exception):
    """An action that the current status does not allow.

    Carries the actions that *are* allowed so the HTTP layer can name them in
    its 409 problem without consulting the table again.
    """

    def __init__(self, current: str, action: str, allowed_actions: list[str]) -> None:
        allowed = ", ".join(allowed_actions) or "none"
        super().__init__(f"cannot {action!r} from status {current!r}; allowed: {allowed}")
        self.current = current
        self.action = action
        self.allowed_actions = allowed_actions


@dataclass(frozen=True, init=False)
class TransitionTable(Generic[S]):
    """Action name → (statuses it may be taken from, status it leads to).

    A target of ``None`` means the action leaves the status as it is (an
    extension keeps an episode active or on hold).
    """

    rules: Mapping[str, tuple[frozenset[S], S | None]]

    def __init__(self, rules: Mapping[str, tuple[Iterable[S], S | None]]) -> None:
        frozen: dict[str, tuple[frozenset[S], S | None]] = {}
        for action, (sources, target) in rules.items():
            # A bare status string is itself an iterable of characters and
            # would otherwise become a set of single letters.
            if isinstance(sources, str):
                raise TypeError(f"sources of {action!r} must be a collection of statuses, not a string")
            frozen[str(action)] = (frozenset(sources), target)
        object.__setattr__(self, "rules", MappingProxyType(frozen))

    @property
    def actions(self) -> list[str]:
        return sorted(self.rules)

    def allowed_actions(self, current: S) -> list[str]:
        return sorted(action for action, (sources, _) in self.rules.items() if current in sources)

    def is_allowed(self, current: S, action: str) -> bool:
        rule = self.rules.get(action)
        return rule is not None and current in rule[0]

    def target(self, current: S, action: str) -> S:
        """Status after taking *action* from *current*, or raise IllegalTransition.

        An unknown action name is reported the same way as a known one taken
        from the wrong status: both reach clients as "not allowed here".
        """
        if not self.is_allowed(current, action):
            raise IllegalTransition(str(current), str(action), self.allowed_actions(current))
        target = self.rules[action][1]
        return current if target is None else target

    def pairs(self) -> list[tuple[S, str, S]]:
        """Every legal (from, action, to), for documentation and exhaustive tests."""
        out = [
            (source, action, source if target is None else target)
            for action, (sources, target) in self.rules.items()
            for source in sources
        ]
        return sorted(out)
