"""One base for the plan's vocabularies: a string enum whose members carry their Chinese label."""

from enum import StrEnum
from typing import Self


class LabelledEnum(StrEnum):
    """A `StrEnum` declared as ``general = "general", "一般问题"``: the value is the stable code that the API,
    the database and pydantic see; `label` is the Chinese text people read.

    Members compare, format and serialise exactly as their value. A vocabulary whose label depends on the
    year's RuleSet (e.g. report periods) is not a LabelledEnum: its label is a function of the RuleSet.
    """

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> list[tuple[str, str]]:
        """(code, label) pairs in declaration order, e.g. for a vocabulary endpoint."""
        return [(member.value, member.label) for member in cls]

    @classmethod
    def label_map(cls) -> dict[str, str]:
        """code → label, for callers that still look labels up in a dict."""
        return dict(cls.labels())
