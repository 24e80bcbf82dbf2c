"""Field-level validation messages in Chinese (with the English after), for the people who read them.

Pydantic's messages are English only; this maps its error types to our wording. Unknown types keep
Pydantic's own message; our own validators already raise Chinese text ("Value error, " is stripped).
"""

from typing import Any

NUL_REFUSED = "不能包含空字符 U+0000 (text may not contain a NUL character)"
YEARS = range(1900, 2200)
"""Years a date or an instant may carry: the rules add and subtract days and months, and year 1 or 9999 overflows."""
OUT_OF_RANGE = "日期应在1900年至2199年之间 (must lie between the years 1900 and 2199)"

TEMPLATES: dict[str, str] = {
    "missing": "必填字段缺失 (field required)",
    "extra_forbidden": "不允许提交此字段（只读或未知字段）(field not permitted: read-only or unknown)",
    "string_too_short": "长度至少{min_length}个字符 (at least {min_length} characters)",
    "string_too_long": "长度不能超过{max_length}个字符 (at most {max_length} characters)",
    "too_short": "至少{min_length}项 (at least {min_length} items)",
    "too_long": "最多{max_length}项 (at most {max_length} items)",
    "string_pattern_mismatch": "格式不正确 (does not match the required format)",
    "greater_than_equal": "不能小于{ge} (must be ≥ {ge})",
    "greater_than": "必须大于{gt} (must be > {gt})",
    "less_than_equal": "不能大于{le} (must be ≤ {le})",
    "less_than": "必须小于{lt} (must be < {lt})",
    "int_parsing": "应为整数 (must be an integer)",
    "int_type": "应为整数 (must be an integer)",
    "int_from_float": "应为整数 (must be an integer)",
    "float_parsing": "应为数字 (must be a number)",
    "bool_parsing": "应为是/否（true/false）(must be true or false)",
    "bool_type": "应为是/否（true/false）(must be true or false)",
    "date_parsing": "日期格式应为YYYY-MM-DD (must be a date, YYYY-MM-DD)",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD (must be a date, YYYY-MM-DD)",
    "date_from_datetime_inexact": "应为日期，不含时间 (must be a date without a time)",
    "date_type": "日期格式应为YYYY-MM-DD (must be a date, YYYY-MM-DD)",
    "datetime_parsing": "时间格式应为ISO 8601 (must be an ISO 8601 date-time)",
    "datetime_from_date_parsing": "时间格式应为ISO 8601 (must be an ISO 8601 date-time)",
    "datetime_type": "时间格式应为ISO 8601 (must be an ISO 8601 date-time)",
    "uuid_parsing": "应为UUID编号 (must be a UUID)",
    "uuid_type": "应为UUID编号 (must be a UUID)",
    "enum": "取值无效，可选：{expected} (must be one of {expected})",
    "literal_error": "取值无效，可选：{expected} (must be one of {expected})",
    "json_invalid": "JSON格式错误 (invalid JSON)",
    "string_type": "应为文本 (must be a string)",
    "list_type": "应为列表 (must be a list)",
    "dict_type": "应为对象 (must be an object)",
    "model_type": "应为对象 (must be an object)",
    "model_attributes_type": "应为对象 (must be an object)",
    "string_unicode": "应为文本 (must be a string)",
}


def message_for(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    template = TEMPLATES.get(kind)
    if template is not None:
        try:
            return template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError, ValueError):
            pass
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")
