"""The ledger 台账: enterprises, licences, signals. Other areas reach it through these names."""

from app.services.ledger.enterprises import (
    DEFAULT_RISK_CLASS,
    RISK_CLASS_IS_THE_PREFECTURES,
    county_names,
    get_enterprise,
)
from app.services.ledger.licences import list_categories

__all__ = ["DEFAULT_RISK_CLASS", "RISK_CLASS_IS_THE_PREFECTURES", "county_names", "get_enterprise", "list_categories"]
