"""One realistic example per request body, keyed by the schema's name (塔城地区 demo data)."""

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {}
