"""app/domain stays pure: no web framework, ORM, HTTP client or app layers above it."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"
BANNED = (
    "fastapi",
    "sqlmodel",
    "sqlalchemy",
    "httpx",
    "starlette",
    "pydantic",
    "app.models",
    "app.services",
    "app.routers",
    "app.core.db",
)


def _imported_modules(source: str, package: str) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            modules.append(base)
            modules.extend(f"{base}.{alias.name}" for alias in node.names)
    return modules


def banned_imports(source: str, package: str = "app.domain") -> list[str]:
    return [
        module
        for module in _imported_modules(source, package)
        if any(module == banned or module.startswith(banned + ".") for banned in BANNED)
    ]


@pytest.mark.parametrize(
    "source",
    [
        "import fastapi",
        "from sqlmodel import Field",
        "import sqlalchemy.orm as orm",
        "from app.models.enterprise import Enterprise",
        "from app import db",
        "from ..services import visits",
        "def f():\n    from pydantic import BaseModel\n",
    ],
)
def test_the_purity_check_catches_a_banned_import(source):
    assert banned_imports(source)


@pytest.mark.parametrize(
    "source", ["import hashlib", "from datetime import date", "from app.domain.errors import Problem"]
)
def test_the_purity_check_allows_stdlib_and_domain_imports(source):
    assert banned_imports(source) == []


@pytest.mark.parametrize("path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_nothing_impure(path):
    assert banned_imports(path.read_text(encoding="utf-8")) == []
