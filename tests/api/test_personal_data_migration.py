"""Migration 0013p encrypts the phones and queued uploads already stored; its downgrade opens them again."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from app.cli import alembic_config, migrate
from tests.api.conftest import BACKEND
from tests.databases import scratch_database

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
PHONES = {"91654201MA0000001X": "0901-6221234", "91654201MA0000002X": "", "91654201MA0000003X": None}
USER_PHONE = "13800001111"

jurisdiction = sa.table("jurisdiction", *(sa.column(c) for c in ("code", "name", "level")))
enterprise = sa.table(
    "enterprise",
    sa.column("id", sa.Uuid()),
    *(sa.column(c) for c in ("credit_code", "name", "county_code", "risk_class", "status", "contact_phone")),
    *(sa.column(f"key_{k}", sa.Boolean()) for k in ("industry", "region", "enterprise", "product")),
    sa.column("version"),
    *(sa.column(c, sa.DateTime(timezone=True)) for c in ("created_at", "updated_at")),
)
user = sa.table(
    "user",
    sa.column("id", sa.Uuid()),
    *(sa.column(c) for c in ("username", "full_name", "role", "phone", "password_hash", "is_active")),
    *(sa.column(c) for c in ("failed_logins", "token_version")),
    *(sa.column(c, sa.DateTime(timezone=True)) for c in ("password_changed_at", "created_at", "updated_at")),
)

counts = ("rows_total", "rows_processed", "created_count", "updated_count", "unchanged_count", "error_count")
enterprise_import = sa.table(
    "enterprise_import",
    sa.column("id", sa.Uuid()),
    *(sa.column(c) for c in ("source", "status", "http_status", "actor_kind", *counts)),
    *(sa.column(c, sa.Boolean()) for c in ("dry_run", "all_or_nothing", "errors_truncated")),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
import_upload = sa.table("import_upload", sa.column("import_id", sa.Uuid()), sa.column("content", sa.LargeBinary()))
UPLOAD = json.dumps([{"credit_code": "91654201MA0000004X", "contact_phone": "0901-6227788"}]).encode()


def _run(url: str, work):  # noqa: ANN001, ANN202
    async def go():  # noqa: ANN202
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _insert_plain(conn: sa.Connection) -> None:
    conn.execute(jurisdiction.insert().values(code="654201", name="塔城市", level="county"))
    flags = {f"key_{k}": False for k in ("industry", "region", "enterprise", "product")}
    for code, phone in PHONES.items():
        conn.execute(
            enterprise.insert().values(
                id=uuid.uuid4(), credit_code=code, name=f"企业{code[-3:]}", county_code="654201", risk_class="B",
                status="operating", contact_phone=phone, version=1, created_at=NOW, updated_at=NOW, **flags,
            )
        )  # fmt: skip
    conn.execute(
        user.insert().values(
            id=uuid.uuid4(), username="old_inspector", full_name="老执法人员", role="county_inspector",
            phone=USER_PHONE, password_hash="x", is_active=True, failed_logins=0, token_version=0,
            password_changed_at=NOW, created_at=NOW, updated_at=NOW,
        )
    )  # fmt: skip
    job = uuid.uuid4()
    conn.execute(
        enterprise_import.insert().values(
            id=job, source="json", status="pending", http_status=202, actor_kind="user", dry_run=False,
            all_or_nothing=True, errors_truncated=False, created_at=NOW, **dict.fromkeys(counts, 0),
        )
    )  # fmt: skip
    conn.execute(import_upload.insert().values(import_id=job, content=UPLOAD))


def _read(conn: sa.Connection) -> tuple[dict, str | None, set[str]]:
    columns = {c["name"] for c in sa.inspect(conn).get_columns("enterprise")}
    digest = ", contact_phone_digest" if "contact_phone_digest" in columns else ""
    rows = conn.execute(sa.text(f"SELECT credit_code, contact_phone{digest} FROM enterprise")).all()
    phone = conn.execute(sa.text("SELECT phone FROM \"user\" WHERE username = 'old_inspector'")).scalar_one()
    upload = bytes(conn.execute(sa.select(import_upload.c.content)).scalar_one())
    return {r[0]: tuple(r[1:]) for r in rows}, (phone, upload), columns


def _phones_go_encrypted_and_back(url: str, cipher) -> None:  # noqa: ANN001
    command.downgrade(alembic_config(url), "0012")
    _run(url, _insert_plain)
    command.upgrade(alembic_config(url), "0013p")

    stored, (user_phone, upload), _ = _run(url, _read)
    for code, phone in PHONES.items():
        sealed, digest = stored[code]
        if phone is None:
            assert (sealed, digest) == (None, None)
            continue
        assert sealed.startswith("sm4gcm$dev$") and (not phone or phone not in sealed)
        assert cipher.decrypt(sealed, "enterprise.contact_phone") == phone
        assert digest == (cipher.digest(phone) if phone else None)
    assert user_phone.startswith("sm4gcm$") and cipher.decrypt(user_phone, "user.phone") == USER_PHONE
    assert upload.startswith(b"sm4gcm$") and cipher.unseal(upload, "import_upload.content") == UPLOAD

    command.downgrade(alembic_config(url), "0012")
    stored, (user_phone, upload), columns = _run(url, _read)
    assert {code: values[0] for code, values in stored.items()} == PHONES
    assert (user_phone, upload) == (USER_PHONE, UPLOAD) and "contact_phone_digest" not in columns
    migrate(url)
    assert _run(url, _read)[0]["91654201MA0000001X"][0].startswith("sm4gcm$")


@pytest.mark.postgres_only
def test_stored_phones_are_encrypted_by_the_upgrade_and_decrypted_by_the_downgrade_on_postgresql(
    personal_data_cipher,
):
    if BACKEND != "postgres":
        pytest.skip("runs on PostgreSQL")
    with scratch_database("zhijian_pii") as url:
        _phones_go_encrypted_and_back(url, personal_data_cipher)


def test_stored_phones_are_encrypted_by_the_upgrade_and_decrypted_by_the_downgrade_on_sqlite(
    tmp_path, personal_data_cipher
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'pii.db'}"
    migrate(url)
    _phones_go_encrypted_and_back(url, personal_data_cipher)
