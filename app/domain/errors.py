"""Business-rule failures, reported as a list of located problems."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input; `loc` points at the field or row, as in an API error body."""

    loc: tuple[str | int, ...]
    msg: str


class RuleViolation(Exception):
    """Raised when input breaks a rule of the plan; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in self.problems))


def raise_if_any(problems: list[Problem]) -> None:
    """Raise RuleViolation when at least one problem was collected."""
    if problems:
        raise RuleViolation(problems)
