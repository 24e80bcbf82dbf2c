"""Why a rule decided what it decided, so the API and the printed plan can say so."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """A stable snake_case English `code` for machines and a Chinese `label` for people."""

    code: str
    label: str
