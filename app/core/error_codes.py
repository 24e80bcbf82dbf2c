"""The error codes as a table for integrators (docs/errors.md, written by `python -m app.cli export-openapi`)."""

from pathlib import Path

from app.core.messages import en, zh_cn

ERROR_CODES_PATH = Path(__file__).resolve().parents[2] / "docs" / "errors.md"

INTRODUCTION = """# Error codes

Every error answer is RFC 9457 `application/problem+json`:

```json
{"type": "https://zhijian.example.gov.cn/problems/rule-violation", "code": "rule_violation",
 "title": "不符合计划规则", "status": 422, "detail": "至少需要2名检查人员", "instance": "/api/v1/visits",
 "errors": [{"loc": ["body", "inspectors"], "code": "too_few_inspectors", "msg": "至少需要2名检查人员"}]}
```

- `code` (the problem's) and `errors[].code` are stable snake_case codes: program against them, never against the
  words. They are listed below and in the `Problem` schema of `openapi/openapi.json`.
- `title`, `detail` and `msg` are for people, in the language of `Accept-Language`: Chinese (`zh-CN`) by default,
  English when the header prefers `en` (q-values are honoured; anything else gets Chinese). The answer says which in
  `Content-Language`.
- `loc` starts with where the problem is: `body`, `query`, `path`, `header` (then the field), or `rows` (an import's
  row: `["rows", index, column]`; such an item also carries `sheet_row`, the row a person sees in the uploaded
  sheet, null for a JSON upload, and `index`, the row's 0-based position).
- A framework check we do not word ourselves has pydantic's error type as its code (e.g. `url_parsing`) and
  pydantic's English message.
- This file is written by `python -m app.cli export-openapi` from the catalogues in `app/core/messages/`.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(heading: str, zh: dict[str, str], english: dict[str, str]) -> str:
    lines = [f"## {heading}", "", "| code | zh-CN | en |", "|---|---|---|"]
    lines += [f"| `{code}` | {_cell(zh[code])} | {_cell(english.get(code, ''))} |" for code in sorted(zh)]
    return "\n".join(lines)


def error_codes_markdown() -> str:
    return (
        "\n\n".join(
            [
                INTRODUCTION.rstrip(),
                _table("Problem codes (`code`, and `title`)", zh_cn.TITLES, en.TITLES),
                _table(
                    "Error item codes (`errors[].code`, and `msg`; also a problem's `detail`)",
                    zh_cn.MESSAGES,
                    en.MESSAGES,
                ),
                _table("Framework checks worded by us (pydantic error types)", zh_cn.FIELD, en.FIELD),
            ]
        )
        + "\n"
    )
