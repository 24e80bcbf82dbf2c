"""One base for the plan's vocabularies: a string enum whose members carry their Chinese label."""

import enum
from typing import Any, Self

_EnumDict: Any = getattr(enum, "EnumDict", None) or enum._EnumDict  # public from Python 3.13


class _CodeIsTheName(_EnumDict):  # type: ignore[misc, valid-type]
    """A class body where ``general = "一般问题"`` declares the member whose code is its name."""

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, str) and not key.startswith("_"):
            value = (key, value)
        super().__setitem__(key, value)


class _LabelledEnumType(enum.EnumType):
    @classmethod
    def __prepare__(metacls, cls: str, bases: tuple[type, ...], **kwds: Any) -> Any:  # noqa: N804
        members = super().__prepare__(cls, bases, **kwds)
        members.__class__ = _CodeIsTheName
        return members


class LabelledEnum(enum.StrEnum, metaclass=_LabelledEnumType):
    """A `StrEnum` declared as ``general = "一般问题"``: the member's name is the stable code that the API, the
    database and pydantic see; `label` is the Chinese text people read. Where the code cannot be a name
    (``"prefecture_admin"`` for ``PREFECTURE_ADMIN``), a member is ``NAME = "code", "label"``.

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

    @classmethod
    def label_of(cls, code: str) -> str:
        """The label of a stored code (a code no longer in the vocabulary reads as itself)."""
        try:
            return cls(code).label
        except ValueError:
            return code
