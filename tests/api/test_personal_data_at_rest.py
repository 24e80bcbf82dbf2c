"""Personal data at rest (等保三级 保密性): phones are stored as SM4-GCM ciphertexts, read back in the clear by those
allowed to read them, compared by a keyed digest, kept out of the audit trail, and moved to a new key by rotation."""

import asyncio
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.cli import migrate, rotate_personal_data
from app.core import personal_data
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.domain.permissions import Role
from app.models import Enterprise, User
from app.models.personal import PersonalDataUnavailable, cipher, install_cipher
from app.seed.jurisdictions import seed_jurisdictions
from app.services.common.personal_data import encrypted_columns, pending, rotate_batch
from app.services.imports import submit
from tests.api.conftest import TEST_SECRET
from tests.api.job_helpers import run_queued_jobs
from tests.builders import TACHENG, as_role, make_enterprise, make_user, new_credit_code

pytestmark = pytest.mark.anyio
PHONE = "0901-6227788"
OLD_KEY = "b2xkLWtleS1vZi10aGUtYnVyZWF1LTAxMjM0NTY3ODk="
NEW_KEY = "bmV3LWtleS1vZi10aGUtYnVyZWF1LTAxMjM0NTY3ODk="


async def stored_phone(session, credit_code: str) -> tuple[str | None, str | None]:
    """The enterprise's phone and its digest as the database holds them, read with plain SQL."""
    row = await session.execute(
        text("SELECT contact_phone, contact_phone_digest FROM enterprise WHERE credit_code = :code"),
        {"code": credit_code},
    )
    return tuple(row.one())


async def stored_user_phone(session, username: str) -> str | None:
    row = await session.execute(text('SELECT phone FROM "user" WHERE username = :name'), {"name": username})
    return row.scalar_one()


def keyring(current: str, **keys: str) -> personal_data.Sm4GcmCipher:
    return personal_data.cipher_from(Settings(env="test", secret_key=TEST_SECRET, pii_keys=keys, pii_key_id=current))


@pytest.fixture
def restore_cipher(personal_data_cipher):  # noqa: ANN001
    yield
    install_cipher(personal_data_cipher)


async def test_an_enterprise_phone_is_stored_encrypted_and_the_api_returns_it_in_the_clear(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    code = new_credit_code()
    body = {"credit_code": code, "name": "塔城市加密测试有限公司", "county_code": TACHENG, "contact_phone": PHONE}
    created = await client.post("/api/v1/enterprises", json=body, headers=headers)
    assert created.status_code == 201, created.text

    raw, raw_digest = await stored_phone(session, code)
    assert raw.startswith("sm4gcm$dev$") and "6227788" not in raw
    assert raw_digest == cipher().digest(PHONE) and "6227788" not in raw_digest
    read = await client.get(f"/api/v1/enterprises/{created.json()['id']}", headers=headers)
    assert read.json()["contact_phone"] == PHONE
    listed = await client.get("/api/v1/enterprises", params={"q": "加密测试"}, headers=headers)
    assert [e["contact_phone"] for e in listed.json()["items"]] == [PHONE]


async def test_the_same_phone_is_a_different_ciphertext_each_time_but_the_same_digest(session):
    first, second = (
        await make_enterprise(session, contact_phone=PHONE),
        await make_enterprise(session, contact_phone=PHONE),
    )
    (raw_1, digest_1), (raw_2, digest_2) = [await stored_phone(session, e.credit_code) for e in (first, second)]
    assert raw_1 != raw_2
    assert digest_1 == digest_2


async def test_a_user_phone_is_stored_encrypted_and_read_back_by_an_administrator(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    inspector = await make_user(session, Role.COUNTY_INSPECTOR)
    updated = await client.patch(f"/api/v1/users/{inspector.id}", json={"phone": "13912345678"}, headers=headers)
    assert updated.status_code == 200, updated.text

    raw = await stored_user_phone(session, inspector.username)
    assert raw.startswith("sm4gcm$") and "12345678" not in raw
    assert (await client.get(f"/api/v1/users/{inspector.id}", headers=headers)).json()["phone"] == "13912345678"


async def test_the_audit_trail_records_that_a_phone_changed_by_its_digest_never_the_number(client, session):
    enterprise = await make_enterprise(session, contact_phone="0901-6221111")
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.patch(
        f"/api/v1/enterprises/{enterprise.id}", json={"contact_phone": PHONE}, headers=headers
    )
    assert response.status_code == 200, response.text

    events = await session.execute(
        text("SELECT action, before, after FROM audit_event WHERE entity_id IN (:a, :b)"),
        {"a": str(enterprise.id), "b": enterprise.id.hex},
    )
    trail = [(action, json.dumps(before, ensure_ascii=False), after) for action, before, after in events.all()]
    update = [after for action, _, after in trail if action == "enterprise.update"]
    after = update[0] if isinstance(update[0], dict) else json.loads(update[0])
    assert after["contact_phone"] == cipher().digest(PHONE)
    stored_text = " ".join(before + json.dumps(after, ensure_ascii=False) for _, before, after in trail)
    assert "6221111" not in stored_text and "6227788" not in stored_text


async def test_an_import_writes_phones_encrypted_and_a_second_import_of_the_same_rows_changes_nothing(client, session):
    """PostgreSQL: COPY into a stage table, then INSERT … ON CONFLICT; SQLite: one executemany upsert."""
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    body = [
        {"credit_code": new_credit_code(), "name": f"导入加密{i}", "county_code": TACHENG, "contact_phone": PHONE}
        for i in range(3)
    ]
    body[2]["contact_phone"] = None
    first = await client.post("/api/v1/enterprise-imports", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["created_count"] == 3

    raw, raw_digest = await stored_phone(session, body[0]["credit_code"])
    assert raw.startswith("sm4gcm$") and "6227788" not in raw
    assert raw_digest == cipher().digest(PHONE)
    assert await stored_phone(session, body[2]["credit_code"]) == (None, None)
    again = (await client.post("/api/v1/enterprise-imports", json=body, headers=headers)).json()
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 0, 3), again
    assert (await stored_phone(session, body[0]["credit_code"]))[0] == raw, "an unchanged row is not rewritten"

    body[0]["contact_phone"] = "0901-6220001"
    changed = (await client.post("/api/v1/enterprise-imports", json=body, headers=headers)).json()
    assert (changed["updated_count"], changed["unchanged_count"]) == (1, 2), changed
    enterprise = (await session.exec(select(Enterprise).where(Enterprise.credit_code == body[0]["credit_code"]))).one()
    await session.refresh(enterprise)
    assert enterprise.contact_phone == "0901-6220001"


async def test_the_upload_a_queued_import_keeps_is_sealed_and_the_job_still_runs(client, session, app, monkeypatch):
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 1)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    body = [
        {"credit_code": new_credit_code(), "name": f"排队加密{i}", "county_code": TACHENG, "contact_phone": PHONE}
        for i in range(3)
    ]
    queued = await client.post("/api/v1/enterprise-imports", json=body, headers=headers)
    assert queued.status_code == 202, queued.text
    kept = (await session.execute(text("SELECT content FROM import_upload"))).scalars().all()
    assert kept and all(bytes(c).startswith(b"sm4gcm$") and b"6227788" not in bytes(c) for c in kept)

    await run_queued_jobs(app, session)
    job = (await client.get(queued.headers["Location"], headers=headers)).json()
    assert (job["status"], job["created_count"]) == ("succeeded", 3), job
    assert (await stored_phone(session, body[0]["credit_code"]))[0].startswith("sm4gcm$")


async def test_an_upload_kept_for_its_errors_is_sealed_on_disk_and_the_errors_workbook_still_opens(
    client, session, settings
):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    body = [
        {"credit_code": new_credit_code(), "name": "错误加密", "county_code": TACHENG, "contact_phone": PHONE},
        {"credit_code": "not a code", "name": "错误加密2", "county_code": TACHENG, "contact_phone": PHONE},
    ]
    rejected = await client.post("/api/v1/enterprise-imports", json=body, headers=headers)
    assert rejected.status_code == 422, rejected.text
    location = rejected.headers["Location"]
    kept = list((settings.upload_dir / "enterprise-imports").glob("*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"sm4gcm$dev$")
    assert b"6227788" not in kept[0].read_bytes()

    errors = await client.get(f"{location}/errors", headers=headers)
    assert errors.status_code == 200, errors.text
    sheet = load_workbook(io.BytesIO(errors.content)).worksheets[0]
    assert PHONE in [c.value for row in sheet.iter_rows() for c in row]


async def test_an_export_carries_the_phone_in_the_clear_and_imports_back_unchanged(client, session):
    enterprise = await make_enterprise(session, contact_phone=PHONE, name="塔城导出加密有限公司")
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    exported = await client.get("/api/v1/enterprises/export", params={"q": "导出加密"}, headers=headers)
    assert exported.status_code == 200, exported.text
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [r[-1] for r in rows if r[0] == enterprise.credit_code] == [PHONE]

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    files = {"file": ("台账.xlsx", exported.content, xlsx)}
    again = await client.post("/api/v1/enterprise-imports", files=files, headers=headers)
    assert again.status_code == 201, again.text
    assert (again.json()["updated_count"], again.json()["unchanged_count"]) == (0, 1)


async def test_a_blank_phone_counts_as_missing_in_the_completeness_report(client, session):
    await make_enterprise(session, contact_phone=PHONE)
    await make_enterprise(session, contact_phone=None)
    await make_enterprise(session, contact_phone="")
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    report = (await client.get("/api/v1/ledger/completeness", headers=headers)).json()
    tacheng = next(c for c in report["counties"] if c["county_code"] == TACHENG)
    assert tacheng["missing"] == {"contact_phone": 2}


async def test_rotation_moves_every_value_to_the_current_key_and_old_ciphertexts_read_until_then(
    session, restore_cipher
):
    install_cipher(keyring("old", old=OLD_KEY))
    enterprises = [await make_enterprise(session, contact_phone=f"0901-62{n:05d}") for n in range(3)]
    inspector = await make_user(session, Role.COUNTY_INSPECTOR, phone="13800000001")
    assert (await stored_phone(session, enterprises[0].credit_code))[0].startswith("sm4gcm$old$")

    install_cipher(keyring("new", old=OLD_KEY, new=NEW_KEY))  # the new key is current, the old one still listed
    session.expunge_all()
    reread = (await session.exec(select(Enterprise).where(Enterprise.id == enterprises[0].id))).one()
    assert reread.contact_phone == "0901-6200000", "a value under a listed old key still opens"
    versions = {e.id: e.version for e in enterprises}

    rotated = {}
    for target in encrypted_columns():
        rotated[target.name], after = 0, None
        while True:  # one row per batch: a run cut short anywhere is finished by the next one
            done, after = await rotate_batch(session, target, after=after, limit=1)
            await session.commit()
            if not done:
                break
            rotated[target.name] += done
        assert await pending(session, target) == 0
    assert rotated["enterprise.contact_phone"] >= 3 and rotated["user.phone"] >= 1
    for target in encrypted_columns():
        assert (await rotate_batch(session, target, after=None, limit=100))[0] == 0, "a second run changes nothing"

    install_cipher(keyring("new", new=NEW_KEY))  # the old key can now go
    session.expunge_all()
    for n, enterprise in enumerate(enterprises):
        raw, raw_digest = await stored_phone(session, enterprise.credit_code)
        assert raw.startswith("sm4gcm$new$") and raw_digest.startswith("new$")
        reread = (await session.exec(select(Enterprise).where(Enterprise.id == enterprise.id))).one()
        assert (reread.contact_phone, reread.version) == (f"0901-62{n:05d}", versions[enterprise.id])
    assert (await session.get(User, inspector.id)).phone == "13800000001"


async def test_a_value_under_a_key_that_is_not_listed_fails_with_the_key_named(session, restore_cipher):
    enterprise = await make_enterprise(session, contact_phone=PHONE)  # under the test key "dev"
    install_cipher(keyring("new", new=NEW_KEY))
    session.expunge_all()
    with pytest.raises(PersonalDataUnavailable, match="'dev' 未在 PII_KEYS 中配置"):
        await session.exec(select(Enterprise).where(Enterprise.id == enterprise.id))


async def test_a_wrong_key_under_a_listed_id_fails_instead_of_reading_garbage(session, restore_cipher):
    enterprise = await make_enterprise(session, contact_phone=PHONE)
    install_cipher(keyring("dev", dev=NEW_KEY))
    session.expunge_all()
    with pytest.raises(PersonalDataUnavailable, match="无法用密钥 'dev' 解密"):
        await session.exec(select(Enterprise).where(Enterprise.id == enterprise.id))


def test_a_ciphertext_moved_into_another_column_does_not_open_there():
    sealed = cipher().encrypt(PHONE, "enterprise.contact_phone")
    assert cipher().decrypt(sealed, "enterprise.contact_phone") == PHONE
    with pytest.raises(PersonalDataUnavailable, match="解密 user.phone"):
        cipher().decrypt(sealed, "user.phone")
    with pytest.raises(PersonalDataUnavailable, match="不是 sm4gcm 密文"):
        cipher().decrypt(PHONE, "user.phone")


def test_phones_sealed_in_a_batch_open_like_one_sealed_alone_each_under_its_own_nonce():
    phones = [PHONE, PHONE, "13800000000", "（0901）622-7788"]
    sealed = cipher().encrypt_many(phones, "enterprise.contact_phone")
    assert [cipher().decrypt(s, "enterprise.contact_phone") for s in sealed] == phones
    assert len(set(sealed)) == len(phones)  # the same phone twice: two ciphertexts
    assert cipher().digest_many(phones) == [cipher().digest(p) for p in phones]
    with pytest.raises(PersonalDataUnavailable, match="解密 user.phone"):
        cipher().decrypt(sealed[0], "user.phone")


def _database_with_phones(tmp_path, phones: list[str]) -> tuple[str, list[str]]:  # noqa: ANN001
    """A migrated SQLite file with an enterprise per phone and an inspector with a phone, under the installed key."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'rotate.db'}"
    migrate(url)

    async def fill() -> list[str]:
        engine = make_engine(url)
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await seed_jurisdictions(session)
            codes = [(await make_enterprise(session, contact_phone=phone)).credit_code for phone in phones]
            await make_user(session, Role.COUNTY_INSPECTOR, phone="13800000002")
        await engine.dispose()
        return codes

    return url, asyncio.run(fill())


def test_the_rotate_command_walks_a_database_to_the_current_key_and_a_second_run_finds_nothing(
    tmp_path, monkeypatch, restore_cipher
):
    install_cipher(keyring("old", old=OLD_KEY))
    phones = [f"0901-62{n:05d}" for n in range(3)]
    url, codes = _database_with_phones(tmp_path, phones)
    kept = tmp_path / "uploads" / "enterprise-imports"
    kept.mkdir(parents=True)
    (kept / "a.json").write_bytes(cipher().seal(b'[{"contact_phone": "0901-6227788"}]', "enterprise_import.source"))
    (kept / "b.json").write_bytes(b'[{"contact_phone": "0901-6227788"}]')  # kept before uploads were sealed
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("ENV", "test")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("PII_KEYS", json.dumps({"old": OLD_KEY, "new": NEW_KEY}))
    monkeypatch.setenv("PII_KEY_ID", "new")
    get_settings.cache_clear()
    try:
        said: list[str] = []
        first = asyncio.run(rotate_personal_data(batch=2, say=said.append))
        second = asyncio.run(rotate_personal_data(batch=2, say=said.append))
        monkeypatch.setenv("PII_KEYS", json.dumps({"new": NEW_KEY}))
        get_settings.cache_clear()
        asyncio.run(rotate_personal_data(batch=2, say=said.append))  # nothing left under the old key: it is not needed
    finally:
        get_settings.cache_clear()
    secrets = {"user_two_factor.secret": 0, "webhook_subscription.secret": 0}  # no second factor, no subscription here
    assert first == {"enterprise.contact_phone": 3, "user.phone": 1, **secrets, "kept import uploads": 2}
    assert second == {"enterprise.contact_phone": 0, "user.phone": 0, **secrets, "kept import uploads": 0}
    assert said[-1] == (
        "personal data is under key new: webhook_subscription.secret 0, enterprise.contact_phone 0, user.phone 0, "
        "user_two_factor.secret 0, kept import uploads 0"
    )
    for path in kept.glob("*"):
        assert path.read_bytes().startswith(b"sm4gcm$new$")
        assert cipher().unseal(path.read_bytes(), "enterprise_import.source") == b'[{"contact_phone": "0901-6227788"}]'

    async def read() -> list[tuple]:
        engine = make_engine(url)
        async with AsyncSession(engine) as session:
            found = []
            for code in codes:
                raw, raw_digest = await stored_phone(session, code)
                enterprise = (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).one()
                found.append((raw[:11], raw_digest[:4], enterprise.contact_phone, enterprise.version))
        await engine.dispose()
        return found

    assert asyncio.run(read()) == [("sm4gcm$new$", "new$", phone, 1) for phone in phones]


def test_the_rotate_command_stops_on_a_value_whose_key_is_no_longer_listed(tmp_path, monkeypatch, restore_cipher):
    url, _ = _database_with_phones(tmp_path, [PHONE])  # under the test key "dev"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("ENV", "test")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("PII_KEYS", json.dumps({"new": NEW_KEY}))
    get_settings.cache_clear()
    try:
        with pytest.raises(PersonalDataUnavailable, match="'dev' 未在 PII_KEYS 中配置"):
            asyncio.run(rotate_personal_data(batch=10, say=lambda _: None))
    finally:
        get_settings.cache_clear()
