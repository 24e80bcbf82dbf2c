"""Schemathesis hooks of the live contract run (`SCHEMATHESIS_HOOKS=tests.contract_hooks`, set by contract_live).

A schema-valid request may be refused by a rule of the plan (a county not on the ledger, a year not begun,
nothing to publish): 422 with the rule's own message, as the SPEC says; the run accepts those
(`positive_data_acceptance` expects 422 too, see contract_live.py). What it must not accept is a schema-valid
request refused for a reason the contract could have stated: this check fails a positive case answered with a
field-level validation message (a type, a length, a pattern, a null, control characters, the years 1900–2199).
"""

import schemathesis

from app.core.iso import NOT_ISO
from app.core.messages.en import FIELD
from app.core.validation_messages import NUL_REFUSED, OUT_OF_RANGE
from app.schemas.common import CONTROL_REFUSED, NULL_REFUSED

STATED_BY_THE_SCHEMA = {*FIELD, NOT_ISO, NUL_REFUSED, OUT_OF_RANGE, CONTROL_REFUSED, NULL_REFUSED}
"""The codes of field errors a schema states (a type, a length, a pattern, a null, control characters, the years)."""


@schemathesis.check
def schema_valid_request_refused_at_a_field(ctx, response, case):  # noqa: ANN001, ANN201
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return None
    refused = [error for error in errors if error.get("code") in STATED_BY_THE_SCHEMA]
    if refused:
        raise AssertionError(f"a schema-valid request was refused at a field the contract does not restrict: {refused}")
    return None
