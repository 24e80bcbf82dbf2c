"""Our words: one catalogue per language with the same codes and the same placeholders, every code the app raises is
in them, the caller's language is chosen from Accept-Language, and docs/errors.md is the catalogues' table."""

import ast
import re
import string
from pathlib import Path

import pytest

from app.core import errors
from app.core.error_codes import ERROR_CODES_PATH, error_codes_markdown
from app.core.i18n import EN, ZH_CN, message, negotiate, text
from app.core.messages import en, zh_cn
from app.domain.errors import Message, Problem
from app.domain.permissions import Role
from app.domain.risk import RiskClass
from app.schemas.enterprise_import import RowError

APP = Path(__file__).resolve().parents[1] / "app"
SECTIONS = ("TITLES", "MESSAGES", "FIELD")
COMBINED = re.compile(r"[\u4e00-\u9fff].*\([A-Za-z][^()\u4e00-\u9fff]*\)$")
"""The old one-string "中文 (English)" shape."""


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _raised_codes() -> set[str]:
    """Every code written as a literal in Message("…") or Problem(loc, "…") anywhere in the app."""
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            position = {"Message": 0, "ErrorMessage": 0, "Problem": 1}.get(node.func.id)
            if position is None or len(node.args) <= position:
                continue
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


@pytest.mark.parametrize("section", SECTIONS)
def test_both_catalogues_word_the_same_codes_with_the_same_placeholders(section):
    chinese, english = getattr(zh_cn, section), getattr(en, section)
    assert sorted(chinese) == sorted(english)
    for code in chinese:
        assert _placeholders(chinese[code]) == _placeholders(english[code]), code


@pytest.mark.parametrize("section", SECTIONS)
def test_codes_are_snake_case_and_no_chinese_wording_carries_its_english_in_parentheses(section):
    for code, words in getattr(zh_cn, section).items():
        assert code.isidentifier() and code == code.lower(), code
        assert not COMBINED.search(words), words


def test_every_code_the_app_raises_is_in_the_catalogues():
    raised = _raised_codes()
    assert len(raised) > 200
    assert sorted(raised - set(zh_cn.MESSAGES)) == []


def test_every_problem_code_of_an_error_class_has_a_title_in_both_languages():
    classes, pending = set(), [errors.AppError]
    while pending:
        cls = pending.pop()
        classes.add(cls)
        pending += cls.__subclasses__()
    import app.services.accounts.auth  # noqa: F401  (its error classes)
    import app.services.imports.service  # noqa: F401

    codes = {cls.code for cls in classes} | set(errors.HTTP_CODES.values()) | {"internal_error"}
    assert sorted(codes - set(zh_cn.TITLES)) == []
    assert set(errors.PROBLEM_CODES) == set(zh_cn.TITLES)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, ZH_CN),
        ("", ZH_CN),
        ("en", EN),
        ("en-US,en;q=0.9", EN),
        ("EN-gb", EN),
        ("zh-CN,zh;q=0.9,en;q=0.8", ZH_CN),
        ("en;q=0.8,zh-CN;q=0.9", ZH_CN),
        ("zh-CN;q=0.5,en;q=0.6", EN),
        ("fr-FR,de;q=0.9", ZH_CN),
        ("fr-FR,en;q=0.1", EN),
        ("en;q=0", ZH_CN),
        ("en;q=0,zh;q=0", ZH_CN),
        ("*", ZH_CN),
        ("en;q=abc", ZH_CN),
        ("en;q=2", ZH_CN),
        ("zh-Hans-CN;q=0.9, en;q=0.9", ZH_CN),
        ("de, en;q=0.5, *;q=0.1", EN),
        ("ja;q=1, en ; q = 0.4", EN),
        (",,;;=", ZH_CN),
    ],
)
def test_the_language_is_the_highest_q_we_speak_and_chinese_otherwise(header, language):
    assert negotiate(header) == language


def test_a_message_is_worded_in_each_language_with_its_parameters():
    said = Message("too_few_inspectors", min_inspectors=3)
    assert text(said, ZH_CN) == "至少需要3名检查人员"
    assert text(said, EN) == "at least 3 inspectors required"


def test_a_vocabulary_parameter_is_its_chinese_label_in_chinese_and_its_code_in_english():
    said = Problem(("items", 0, "reason"), "class_override_needs_reason", suggested=RiskClass.C).message
    assert RiskClass.C.label in text(said, ZH_CN)
    assert message(said.code, said.params, EN) == "overriding the suggested class C needs a reason"


def test_an_unknown_code_or_a_plain_text_is_shown_as_it_is():
    assert message("no_such_code", {}, EN) == "no_such_code"
    assert text("许可系统返回 HTTP 503", EN) == "许可系统返回 HTTP 503"


def test_the_committed_error_code_table_is_the_catalogues():
    assert ERROR_CODES_PATH.read_text() == error_codes_markdown(), "run: python -m app.cli export-openapi"


def test_an_import_row_error_kept_before_codes_keeps_its_words_and_its_number_as_the_index():
    kept = {"row": 5, "column": "name", "header": "企业名称", "msg": "必填 (required)"}
    read = RowError.model_validate(kept)
    assert (read.sheet_row, read.index, read.code, read.msg) == (None, 5, "import_row_error", "必填 (required)")


def test_an_import_row_error_kept_with_its_code_is_worded_when_read():
    kept = {"sheet_row": 3, "index": 1, "column": "name", "header": "企业名称", "code": "required", "params": {}}
    read = RowError.model_validate(kept)
    assert (read.sheet_row, read.index, read.code, read.msg) == (3, 1, "required", "必填")


def test_an_error_item_given_as_plain_text_is_shown_as_it_is_under_a_code_of_its_own():
    [item] = errors.field_errors([(["scopes", 0], "来自外部系统的说明")], EN)
    assert (item.loc, item.code, item.msg) == (["body", "scopes", 0], "unworded_text", "来自外部系统的说明")


def test_a_jurisdiction_level_in_a_message_reads_as_its_chinese_label_and_as_its_code_in_english():
    params = {"role": Role.PREFECTURE_ADMIN, "level": Role.PREFECTURE_ADMIN.level}
    assert message("role_needs_node_level", params, ZH_CN) == "「地区局质量监督科（业务管理员）」账号须属于地州市级辖区"
    assert message("role_needs_node_level", params, EN) == "a prefecture_admin account belongs to a prefecture node"


OLD_COMBINED_FORM = re.compile(r"[\u4e00-\u9fff][^\n]*\s\(\s*[A-Za-z]{2,}[^()\u4e00-\u9fff\n]*\)")
"""Chinese words, then their English in parentheses on the same line: "审计链完整 (chain intact)"."""


def _documentation(tree: ast.AST) -> set[int]:
    """The strings that document the code rather than tell anyone anything at run time: docstrings (a bare string
    statement) and the `description=` of a schema field or parameter (the contract's documentation, English prose
    naming the plan's Chinese terms, as docstrings become the operations' descriptions), also when a module's
    constant holds it."""
    found = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    described = [n.value for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "description"]
    names = {n.id for n in described if isinstance(n, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in names for t in node.targets):
            described.append(node.value)
    return found | {id(n) for value in described for n in ast.walk(value)}


def _texts(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module outside its documentation; an f-string with `{}` for its expressions."""
    tree = ast.parse(path.read_text())
    skipped = _documentation(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skipped |= {id(part) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr):
            words = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words = node.value
        else:
            continue
        found.append((node.lineno, words))
    return found


def test_no_text_of_the_app_carries_its_english_in_parentheses_after_the_chinese():
    """Texts computed when asked are message codes worded in the caller's language; texts kept on a record are
    Chinese only (the bureau's staff read them)."""
    combined = [
        f"{path.relative_to(APP.parent)}:{line}: {words}"
        for path in sorted(APP.rglob("*.py"))
        if path.parent.name != "messages"
        for line, words in _texts(path)
        if OLD_COMBINED_FORM.search(words)
    ]
    assert combined == []


@pytest.mark.parametrize(
    "words",
    ["审计链完整 (chain intact)", "许可系统响应超时 (timeout: {})", "第 {} 个事件与检查点 {} 不符 (differs)"],
)
def test_the_scan_for_the_old_combined_form_finds_it(words):
    assert OLD_COMBINED_FORM.search(words)


@pytest.mark.parametrize(
    "words",
    [
        "许可系统服务端出错：HTTP 503",
        "请调用 install(settings)",
        "县（市）",
        "整改期限（剩余{}天）",
        "无法连接许可系统：ConnectError: x",
    ],
)
def test_the_scan_leaves_chinese_with_technical_detail_alone(words):
    assert not OLD_COMBINED_FORM.search(words)
