"""Explicit state machines: one table of allowed transitions; anything else raises."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from marketplace.core.types import UTCDateTime, utcnow


class IllegalTransition(Exception):
    def __init__(self, machine: str, current: str, target: str):
        super().__init__(f"{machine}: {current} -> {target} is not allowed")
        self.machine, self.current, self.target = machine, current, target


@dataclass(frozen=True)
class StateMachine:
    name: str
    transitions: dict[str, frozenset[str]]

    @classmethod
    def define(cls, name: str, table: dict[str, tuple[str, ...]]) -> "StateMachine":
        return cls(name, {state: frozenset(targets) for state, targets in table.items()})

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.transitions)

    def allowed(self, current: str) -> frozenset[str]:
        return self.transitions.get(current, frozenset())

    def check(self, current: str, target: str) -> None:
        if target not in self.allowed(current):
            raise IllegalTransition(self.name, current, target)


class TransitionRecord:
    """Columns of every state-change table: who (None for the system), from, to, why, when. A domain's event
    model adds this mixin and the foreign key of what changed."""

    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def actor_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"))
