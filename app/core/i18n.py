"""The caller's language and our words in it: `Accept-Language` chooses zh-CN (the default) or en; a message is a
stable code and its parameters (`app.domain.errors.Message`), worded from one catalogue per language
(`app/core/messages/`)."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from enum import Enum
from typing import Any

from app.core.messages import en, zh_cn
from app.domain.errors import Message

ZH_CN = "zh-CN"
EN = "en"
DEFAULT_LANGUAGE = ZH_CN
CATALOGUES: dict[str, Any] = {ZH_CN: zh_cn, EN: en}

language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)
"""The language of the request being answered (set by the request-context middleware)."""


def _supported(tag: str) -> str | None:
    tag = tag.strip().lower()
    if tag == "en" or tag.startswith("en-"):
        return EN
    if tag == "zh" or tag.startswith(("zh-cn", "zh-hans", "zh-sg")) or tag == "zh-hans-cn":
        return ZH_CN
    return None


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an `Accept-Language` header (RFC 9110 §12.5.4): highest q first, the first
    listed among equals; q=0 means "not this one"; `*` means any, our default; nothing we speak gives zh-CN."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
                if not 0.0 <= quality <= 1.0:
                    quality = 0.0
        found = DEFAULT_LANGUAGE if tag.strip() == "*" else _supported(tag)
        if found is not None and quality > 0:
            ranked.append((-quality, position, found))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def _value(value: Any, lang: str) -> Any:
    """A parameter as the language shows it: a labelled vocabulary member by its Chinese label in zh-CN and by its
    code in English; a Message (a reason inside a reason) in words; a list joined."""
    if isinstance(value, Message):
        return text(value, lang)
    if isinstance(value, Enum):
        return getattr(value, "label", value.value) if lang == ZH_CN else value.value
    if isinstance(value, list | tuple | set | frozenset):
        return ("、" if lang == ZH_CN else ", ").join(str(_value(v, lang)) for v in value)
    return value


def _format(template: str, params: Mapping[str, Any], lang: str) -> str | None:
    try:
        return template.format(**{k: _value(v, lang) for k, v in params.items()})
    except (KeyError, IndexError, ValueError):
        return None


def message(code: str, params: Mapping[str, Any] | None = None, lang: str | None = None) -> str:
    """The words for a message code in a language (the request's when not given); an unknown code is itself."""
    lang = lang or language.get()
    template = CATALOGUES[lang].MESSAGES.get(code) or zh_cn.MESSAGES.get(code)
    return code if template is None else _format(template, params or {}, lang) or template


def text(value: Message | str, lang: str | None = None) -> str:
    """A Message in words; a plain string (an outside system's text, a stored one) as it is."""
    return message(value.code, value.params, lang) if isinstance(value, Message) else value


def title(code: str, lang: str | None = None) -> str:
    """The title of a problem code."""
    lang = lang or language.get()
    return CATALOGUES[lang].TITLES.get(code) or zh_cn.TITLES.get(code) or code


def field_message(kind: str, ctx: Mapping[str, Any] | None, fallback: str, lang: str | None = None) -> str:
    """A framework (pydantic) validation error in words: our wording for the types we map, pydantic's English
    otherwise."""
    lang = lang or language.get()
    catalogue = CATALOGUES[lang]
    template = catalogue.FIELD.get(kind) or catalogue.MESSAGES.get(kind)
    return (None if template is None else _format(template, ctx or {}, lang)) or fallback
