"""Command line: migrate, seed-demo, create-user, reset-password, assign-role, rotate-pii-key, … (`--help`)."""

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path

from alembic.config import Config

from alembic import command

ROOT = Path(__file__).resolve().parent.parent
OPENAPI_PATH = ROOT / "openapi" / "openapi.json"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url)
    return config


def migrate(database_url: str | None = None, revision: str = "heads") -> None:
    from app.core.config import get_settings

    url = database_url or get_settings().database_url
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def openapi_document() -> dict:
    from app.core.config import Settings
    from app.main import create_app

    return create_app(Settings(env="development", database_url="sqlite+aiosqlite://")).openapi()


def export_openapi(path: Path = OPENAPI_PATH) -> None:
    """The contract: the OpenAPI document, and the table of its error codes (docs/errors.md)."""
    from app.core.error_codes import ERROR_CODES_PATH, error_codes_markdown

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    ERROR_CODES_PATH.write_text(error_codes_markdown())


async def _with_session(work) -> None:  # noqa: ANN001
    from app.core import personal_data
    from app.core.config import get_settings
    from app.core.db import make_engine, make_sessionmaker
    from app.services.common import audit

    audit.install()
    personal_data.install(get_settings())
    engine = make_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            await work(session)
            await session.commit()
    finally:
        await engine.dispose()


async def _seed_demo(session) -> None:  # noqa: ANN001
    from app.core.security import hash_password
    from app.seed.jurisdictions import DEMO_PASSWORD, seed_demo_users, seed_jurisdictions
    from app.seed.ledger import seed_demo_enterprise_account, seed_demo_enterprises

    counties = await seed_jurisdictions(session)
    users = await seed_demo_users(session)
    enterprises = await seed_demo_enterprises(session)
    users += await seed_demo_enterprise_account(session, hash_password(DEMO_PASSWORD))
    print(f"seeded {counties} jurisdictions, {users} demo users, {enterprises} demo enterprises")


def seed_demo(force: bool) -> None:
    from app.core.config import get_settings

    if get_settings().env == "production" and not force:
        sys.exit("refusing to create demo accounts with a published password outside ENV=development (use --force)")
    asyncio.run(_with_session(_seed_demo))


def create_user(args: argparse.Namespace) -> None:
    from app.core.actor import SYSTEM
    from app.domain.permissions import Role
    from app.schemas.user import UserCreate
    from app.services.accounts.users import create_user as create

    password = args.password or getpass.getpass("password: ")
    data = UserCreate(
        username=args.username,
        full_name=args.full_name,
        role=Role(args.role),
        county_code=args.county,
        jurisdiction_code=args.jurisdiction,
        password=password,
    )

    async def work(session) -> None:  # noqa: ANN001
        user = await create(session, SYSTEM, data)
        print(f"created {user.username} ({user.role}) {user.id}")

    asyncio.run(_with_session(work))


def _run_for_a_person(work) -> None:  # noqa: ANN001
    """Run an account command; a refusal (unknown user, weak password, wrong county) is one line, not a traceback."""
    from app.core.errors import AppError, worded
    from app.domain.errors import RuleViolation

    try:
        asyncio.run(_with_session(work))
    except (AppError, RuleViolation) as refusal:
        sys.exit(worded(refusal))


def reset_password(args: argparse.Namespace) -> None:
    """The way back into an administrator's account: no one holds that power over the API (三权分立)."""
    from app.core.actor import SYSTEM
    from app.core.config import get_settings
    from app.services.accounts import users

    password = args.password or getpass.getpass("new password: ")

    async def work(session) -> None:  # noqa: ANN001
        user = await users.user_by_username(session, args.username)
        await users.reset_password(session, get_settings(), SYSTEM, user.id, password)
        print(f"password set for {user.username} ({user.role}); every session of theirs has ended")

    _run_for_a_person(work)


def deactivate_user(args: argparse.Namespace) -> None:
    """Relieve an administrator who leaves: their account stops at once, every session with it."""
    from app.core.actor import SYSTEM
    from app.schemas.user import UserUpdate
    from app.services.accounts import users

    async def work(session) -> None:  # noqa: ANN001
        user = await users.user_by_username(session, args.username)
        await users.update_user(session, SYSTEM, user.id, UserUpdate(is_active=False))
        print(f"{user.username} ({user.role}) is deactivated; every session of theirs has ended")

    _run_for_a_person(work)


def assign_role(args: argparse.Namespace) -> None:
    """Appoint (or relieve) one of the three administrators: the API gives and takes business roles only."""
    from app.core.actor import SYSTEM
    from app.domain.permissions import Role
    from app.schemas.user import RoleAssignment
    from app.services.accounts import users

    data = RoleAssignment(role=Role(args.role), county_code=args.county, jurisdiction_code=args.jurisdiction)

    async def work(session) -> None:  # noqa: ANN001
        user = await users.user_by_username(session, args.username)
        await users.assign_role(session, SYSTEM, user.id, data)
        print(f"{user.username} is now {user.role}")

    _run_for_a_person(work)


def sync_licences() -> None:
    """Pull changed licences from LICENSING_SYSTEM_URL; exit 1 when the run failed outright."""
    from app.core.clock import today_in_china
    from app.core.config import get_settings
    from app.services.ledger.licensing_client import pull_licences

    today = today_in_china()
    outcome: dict = {}

    async def work(session) -> None:  # noqa: ANN001
        run = await pull_licences(session, get_settings(), today=today)
        outcome["run"] = run
        print(
            f"licence sync {run.status}: fetched {run.fetched}, created {run.created}, updated {run.updated}, "
            f"unchanged {run.unchanged}, failed {run.failed}" + (f" — {run.detail}" if run.detail else "")
        )
        for failure in run.failures[:50]:
            print(f"  {failure.get('licence_no') or '?'}: {failure['reason']}")

    asyncio.run(_with_session(work))
    if outcome["run"].status == "failed":
        sys.exit(1)


def run_job(name: str) -> None:
    """Run one entry of the plan's calendar now, for today (what the worker runs on its schedule)."""
    from app.core.clock import today_in_china
    from app.worker.calendar import BY_NAME, run_entry

    if name not in BY_NAME:
        sys.exit(f"unknown job {name!r}; the calendar has: {', '.join(BY_NAME)}")

    async def work(session) -> None:  # noqa: ANN001
        print(f"{name}: {await run_entry(session, BY_NAME[name], today_in_china())}")

    asyncio.run(_with_session(work))


def verify_audit_export(path: Path) -> None:
    """Check an archive from GET /audit-events/export with the audit keys of the settings; exit 1 if it fails."""
    from app.core.audit_keys import AuditKeys
    from app.core.config import get_settings
    from app.core.i18n import text
    from app.services.accounts.audit_export import verify_export

    with path.open("rb") as archive:
        check = verify_export(archive, AuditKeys.from_settings(get_settings()))
    print(f"{path}: {check.events} event(s), {check.checkpoints} checkpoint(s)")
    for problem in check.problems:
        print(f"  {text(problem)}")
    print("intact" if check.intact else "NOT intact")
    if not check.intact:
        sys.exit(1)


def prune_audit(before: str, archive: Path) -> None:
    """Archive, check and delete the audit events recorded before BEFORE (at least AUDIT_RETENTION_DAYS old)."""
    from datetime import date

    from app.core.audit_keys import AuditKeys
    from app.core.clock import today_in_china, utcnow
    from app.core.config import get_settings
    from app.core.errors import AppError, worded
    from app.services.accounts.audit_prune import prune_events

    settings = get_settings()

    async def work(session) -> None:  # noqa: ANN001
        pruned = await prune_events(
            session,
            keys=AuditKeys.from_settings(settings),
            before=date.fromisoformat(before),
            archive=archive,
            retention_days=settings.audit_retention_days,
            today=today_in_china(),
            now=utcnow(),
        )
        if not pruned.events:
            print(f"no audit event recorded before {before} to prune (the newest event always stays)")
            return
        print(f"archived to {pruned.archive}; removed {pruned.events} event(s) through position {pruned.through_seq}")

    try:
        asyncio.run(_with_session(work))
    except AppError as exc:
        sys.exit(worded(exc))


async def rotate_personal_data(batch: int, say=print) -> dict[str, int]:  # noqa: ANN001
    """Every personal-data value under the current PII_KEY_ID, one committed batch at a time (resumable)."""
    from app.core import personal_data
    from app.core.config import get_settings
    from app.core.db import make_engine, make_sessionmaker
    from app.services.common import audit
    from app.services.common.personal_data import encrypted_columns, pending, rotate_batch
    from app.services.imports import reseal_kept_sources

    audit.install()
    settings = get_settings()
    cipher = personal_data.install(settings)
    engine = make_engine(settings.database_url)
    rotated: dict[str, int] = {}
    try:
        sessions = make_sessionmaker(engine)
        for target in encrypted_columns():
            rotated[target.name], after = 0, None
            while True:
                async with sessions() as session:
                    done, after = await rotate_batch(session, target, after=after, limit=batch)
                    await session.commit()
                if not done:
                    break
                rotated[target.name] += done
                say(f"{target.name}: {rotated[target.name]} re-encrypted under {cipher.current_key_id}")
            async with sessions() as session:
                left = await pending(session, target)
            if left:
                raise RuntimeError(f"{target.name}: {left} values are still under another key")
    finally:
        await engine.dispose()
    rotated["kept import uploads"] = reseal_kept_sources(settings.upload_dir)
    say(f"personal data is under key {cipher.current_key_id}: " + ", ".join(f"{k} {v}" for k, v in rotated.items()))
    return rotated


def rotate_pii_key(batch: int) -> None:
    from app.models.personal import PersonalDataUnavailable

    try:
        asyncio.run(rotate_personal_data(batch))
    except PersonalDataUnavailable as exc:
        sys.exit(f"rotate-pii-key stopped: {exc}")


def new_pii_key() -> str:
    import base64
    import os

    return base64.b64encode(os.urandom(32)).decode()


def rebuild_figures(verify: bool) -> None:
    """Rebuild the kept figures of the summary and plan progress from the visits, findings and ledger
    (PostgreSQL), or with `verify` compare them with a full recount and exit 1 when they differ."""
    from app.services.plans import figures_kept, rebuild_figures, verify_figures

    outcome: dict = {}

    async def work(session) -> None:  # noqa: ANN001
        if not figures_kept(session):
            print("figures are kept on PostgreSQL only; on SQLite the summary and progress count live")
            return
        if not verify:
            rows = await rebuild_figures(session)
            print("rebuilt: " + ", ".join(f"{table} {n:,} rows" for table, n in rows.items()))
            return
        outcome["differences"] = differences = await verify_figures(session)
        for d in differences:
            print(f"  {d.table}: {'kept, not in the recount' if d.side == 'kept' else 'recounted, not kept'}: {d.row}")
        print(
            "kept figures equal a full recount"
            if not differences
            else f"{len(differences)} differences (at most 20 per table and side)"
        )

    asyncio.run(_with_session(work))
    if outcome.get("differences"):
        sys.exit(1)


def worker(concurrency: int, burst: bool) -> None:
    """A job-engine worker on DATABASE_URL (PostgreSQL): the calendar's tasks and queued imports."""
    from app.core.config import get_settings
    from app.worker.engine import run_worker

    settings = get_settings()
    if not settings.database_url.startswith("postgresql"):
        sys.exit(
            "the worker needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://…); on SQLite the app runs jobs itself"
        )
    asyncio.run(run_worker(settings, concurrency=concurrency, wait=not burst))


def main(argv: list[str] | None = None) -> None:
    from app.domain.permissions import Role

    parser = argparse.ArgumentParser(prog="zhijian", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database to the newest schema")
    seed = sub.add_parser("seed-demo", help="塔城地区 jurisdictions and one demo account per role")
    seed.add_argument("--force", action="store_true")
    places = sub.add_parser(
        "seed-jurisdictions", help="the region and prefectures with their counties (default 塔城地区), no demo users"
    )
    places.add_argument("prefectures", nargs="*", help="prefecture codes, e.g. 654000 (app/seed/data/…json)")
    user = sub.add_parser("create-user", help="create an account")
    user.add_argument("username")
    user.add_argument("--full-name", required=True)
    roles = " | ".join(role.value for role in Role if role is not Role.SERVICE)
    user.add_argument("--role", required=True, help=roles)
    user.add_argument("--county")
    user.add_argument("--jurisdiction", help="the prefecture or region an account above a county belongs to")
    user.add_argument("--password", help="prompted for when omitted")
    reset = sub.add_parser("reset-password", help="set a new password for an account (administrators included)")
    reset.add_argument("username")
    reset.add_argument("--password", help="prompted for when omitted")
    leave = sub.add_parser("deactivate-user", help="stop an account at once (administrators included)")
    leave.add_argument("username")
    appoint = sub.add_parser("assign-role", help="give an account another role (administrators included)")
    appoint.add_argument("username")
    appoint.add_argument("role", help=roles)
    appoint.add_argument("--county")
    appoint.add_argument("--jurisdiction", help="the prefecture or region an account above a county belongs to")
    sub.add_parser("export-openapi", help=f"write {OPENAPI_PATH.relative_to(ROOT)}")
    sub.add_parser("sync-licences", help="pull changed licences from LICENSING_SYSTEM_URL")
    sub.add_parser("escalate-overdue", help="= run-job escalate-overdue")
    job = sub.add_parser("run-job", help="run one entry of the plan's calendar now (see README: what runs when)")
    job.add_argument("name", help="escalate-overdue | raise-plan-lines | … (the worker's calendar)")
    check = sub.add_parser("verify-audit-export", help="check an audit archive (GET /audit-events/export)")
    check.add_argument("path", type=Path)
    prune = sub.add_parser("prune-audit", help="archive then delete audit events past their retention (≥180 days)")
    prune.add_argument("--before", required=True, help="YYYY-MM-DD: events recorded before this day")
    prune.add_argument("--archive", required=True, type=Path, help="the archive to write first (a new file)")
    figures = sub.add_parser("rebuild-figures", help="rebuild the summary's and progress's kept figures")
    figures.add_argument("--verify", action="store_true", help="only compare them with a recount; exit 1 if unequal")
    work = sub.add_parser("worker", help="start a job-engine worker (PostgreSQL)")
    work.add_argument("--concurrency", type=int, default=1, help="jobs run at once by this worker")
    work.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    rotate = sub.add_parser("rotate-pii-key", help="re-encrypt personal data under PII_KEY_ID (resumable)")
    rotate.add_argument("--batch", type=int, default=1000, help="rows per committed transaction")
    sub.add_parser("new-pii-key", help="print a random key for PII_KEYS")
    args = parser.parse_args(argv)

    if args.command == "migrate":
        migrate()
    elif args.command == "seed-demo":
        seed_demo(args.force)
    elif args.command == "seed-jurisdictions":
        from app.seed.jurisdictions import DEMO_PREFECTURES, seed_jurisdictions

        codes = args.prefectures or list(DEMO_PREFECTURES)
        asyncio.run(_with_session(lambda session: seed_jurisdictions(session, codes)))
    elif args.command == "create-user":
        create_user(args)
    elif args.command == "reset-password":
        reset_password(args)
    elif args.command == "assign-role":
        assign_role(args)
    elif args.command == "deactivate-user":
        deactivate_user(args)
    elif args.command == "sync-licences":
        sync_licences()
    elif args.command == "escalate-overdue":
        run_job("escalate-overdue")
    elif args.command == "run-job":
        run_job(args.name)
    elif args.command == "verify-audit-export":
        verify_audit_export(args.path)
    elif args.command == "prune-audit":
        prune_audit(args.before, args.archive)
    elif args.command == "rebuild-figures":
        rebuild_figures(args.verify)
    elif args.command == "worker":
        worker(args.concurrency, args.burst)
    elif args.command == "rotate-pii-key":
        rotate_pii_key(args.batch)
    elif args.command == "new-pii-key":
        print(new_pii_key())
    elif args.command == "export-openapi":
        export_openapi()
        print(f"wrote {OPENAPI_PATH}")


if __name__ == "__main__":
    main()
