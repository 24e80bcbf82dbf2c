"""Business-rule failures, reported as a list of located problems.

The domain says *what* is wrong as a stable code and its parameters; the words, in the caller's language, are
chosen outside the domain (`app/core/i18n.py` and its catalogues).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, init=False)
class Message:
    """A stable snake_case code and the values its wording needs, e.g. Message("visit_date_in_future")."""

    code: str
    params: Mapping[str, Any]

    def __init__(self, code: str, /, **params: Any) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", params)


@dataclass(frozen=True, init=False)
class Problem:
    """One thing wrong with the input; `loc` points at the field or row of the input the rule was given."""

    loc: tuple[str | int, ...]
    code: str
    params: Mapping[str, Any]

    def __init__(self, loc: tuple[str | int, ...], code: str | Message, /, **params: Any) -> None:
        if isinstance(code, Message):
            code, params = code.code, {**code.params, **params}
        object.__setattr__(self, "loc", tuple(loc))
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", params)

    @property
    def message(self) -> Message:
        return Message(self.code, **self.params)


class RuleViolation(Exception):
    """Raised when input breaks a rule of the plan; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{'.'.join(map(str, p.loc))}: {p.code}" for p in self.problems))


def raise_if_any(problems: list[Problem]) -> None:
    """Raise RuleViolation when at least one problem was collected."""
    if problems:
        raise RuleViolation(problems)
