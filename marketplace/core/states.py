"""Explicit state machines: one table of allowed transitions; anything else raises."""

from dataclasses import dataclass


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
