"""Enterprises encoded straight to JSON from Core rows, for the list page and the read of one record: no ORM
object, no `model_validate` per row, one orjson call. `EnterpriseRead` stays the documented shape, and
tests/api/test_enterprise_encoding.py holds this encoding equal to its pydantic serialization.
"""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import product
from operator import itemgetter
from typing import Any

import orjson

from app.core.paging import PageQuery, Window
from app.domain.risk import KeyFlag, RiskClass
from app.domain.statuses import EnterpriseStatus
from app.models import Enterprise
from app.schemas.enterprise import EnterpriseRead

COLUMNS = tuple(Enterprise.__table__.c)  # type: ignore[attr-defined]
"""Every column of the table: what `EnterpriseRead` shows except the county name and the labels."""
_FIELDS = tuple(name for name in EnterpriseRead.model_fields if name != "county_name")
_RISK_LABELS = RiskClass.label_map()
_STATUS_LABELS = EnterpriseStatus.label_map()
_FLAGS = tuple((f"key_{flag.value}", flag) for flag in KeyFlag)
_FLAGS_OF = itemgetter(*(key for key, _ in _FLAGS))
_UP_TO_COUNTY = _FIELDS[: _FIELDS.index("county_code") + 1]
_AFTER_COUNTY = _FIELDS[len(_UP_TO_COUNTY) :]
_KEYS = (*_UP_TO_COUNTY, "county_name", *_AFTER_COUNTY)
_VALUES_OF = itemgetter(*_UP_TO_COUNTY, "county_code", *_AFTER_COUNTY)
"""The row's values in `EnterpriseRead`'s order, the county code again where its name goes (then replaced)."""
_FLAG_LISTS = {
    chosen: ([flag.value for flag in flags], [flag.label for flag in flags])
    for chosen in product((False, True), repeat=len(_FLAGS))
    for flags in [[flag for (_, flag), on in zip(_FLAGS, chosen, strict=True) if on]]
}
"""The key flags and their labels for every combination of the four columns, made once (shared, never mutated)."""


def _default(value: Any) -> Any:
    if isinstance(value, uuid.UUID):  # asyncpg's own UUID type
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def as_dicts(rows: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each enterprise in `EnterpriseRead`'s field order, computed labels last; the id as its text (what orjson
    writes for a `uuid.UUID`; the driver's own UUID type would cost a call back into Python per row)."""
    flag_lists, risk_labels, status_labels = _FLAG_LISTS, _RISK_LABELS, _STATUS_LABELS
    found = []
    for row in rows:
        out = dict(zip(_KEYS, _VALUES_OF(row), strict=True))
        out["id"] = str(out["id"])
        out["county_name"] = names.get(out["county_name"])
        out["risk_class_label"] = risk_labels[row["risk_class"]]
        out["status_label"] = status_labels[row["status"]]
        flags = _FLAGS_OF(row)
        out["key_flags"], out["key_flag_labels"] = flag_lists.get(flags) or flag_lists[tuple(map(bool, flags))]
        found.append(out)
    return found


def as_dict(row: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """One enterprise (`as_dicts`)."""
    return as_dicts((row,), names)[0]


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_UTC_Z)


def enterprise_json(row: Mapping[str, Any], names: Mapping[str, str]) -> bytes:
    return dumps(as_dict(row, names))


def page_json(
    window: Window[dict[str, Any]], query: PageQuery, as_of: datetime, closed_ids: list[uuid.UUID] | None
) -> bytes:
    """`EnterprisePage` as JSON."""
    return dumps({"items": window.items, **window.fields(query), "as_of": as_of, "closed_ids": closed_ids})
