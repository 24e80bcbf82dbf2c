"""Shared plumbing of the load and fault benches: scratch databases, a private PostgreSQL cluster, uvicorn
subprocesses on loopback, resident memory of server processes, the mixed workload and its statistics.

Everything started here is ours: databases named `zhijian_load_<hex>` on the shared cluster (dropped at the
end), private clusters in a temp dir on a free port, uvicorn on 127.0.0.1 with a free port. Nothing here
stops, restarts or reconfigures the shared cluster on 5432.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import httpx
import pyotp

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from app.seed.jurisdictions import DEMO_TOTP_SECRET  # noqa: E402  (the demo admin's authenticator)

PY = sys.executable
SHARED_PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SECRET = "load-bench-secret-" + "k" * 40
AUDIT_KEY = "bench-audit-key-" + "0" * 32
PII_KEYS = '{"bench": "YmVuY2gtb25seS1waWkta2V5LTAxMjM0NTY3ODlhYmM="}'  # a published key: bench data only
DEMO_PASSWORD = "Zhijian@2026"
TACHENG = "654201"
COUNTY_CODES = ("654201", "654202", "654203", "654221", "654224", "654225", "654226")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- databases ------------------------------------------------------------------------------------------------


async def admin_sql(sql: str, **dsn) -> None:
    conn = await asyncpg.connect(database="postgres", **(dsn or SHARED_PG))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_scratch_db(prefix: str = "zhijian_load") -> tuple[str, str]:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await admin_sql(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+asyncpg://{SHARED_PG['user']}@{SHARED_PG['host']}:{SHARED_PG['port']}/{name}"


async def drop_scratch_db(name: str) -> None:
    await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_and_seed(url: str) -> None:
    """`python -m app.cli migrate` and `seed-demo` against `url` (ENV=development: the demo accounts)."""
    env = os.environ | {"DATABASE_URL": url, "ENV": "development", "LOG_LEVEL": "WARNING", "PII_KEYS": PII_KEYS}
    # the servers read the demo's personal data with PII_KEYS, so it is written under them, not the development key
    for cmd in (["migrate"], ["seed-demo"]):
        subprocess.run([PY, "-m", "app.cli", *cmd], cwd=ROOT, env=env, check=True, capture_output=True)


class PrivateCluster:
    """A throwaway PostgreSQL 15 cluster owned by the `postgres` OS user, in a temp dir, on a free port."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="zj-pg-"))
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.log = self.dir / "pg.log"

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=check, capture_output=True, text=True, cwd="/"
        )

    def init(self) -> None:
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _ctl(self, action: str, *extra: str) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", action, *extra
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)

    @property
    def dsn(self) -> dict:
        return {"host": "127.0.0.1", "port": self.port, "user": "postgres"}

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self._as_postgres(
                str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False
            )
        shutil.rmtree(self.dir, ignore_errors=True)


# --- servers --------------------------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (children of the supervisor), or the single process itself."""
        kids = [pid for pid in _children(self.proc.pid) if b"spawn_main" in _cmdline(pid)]
        return kids or [self.proc.pid]

    def error_lines(self) -> list[str]:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [line for line in text.splitlines() if '"level": "ERROR"' in line or "Traceback" in line]


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def cpu_seconds(pid: int) -> float | None:
    """user + system CPU time of a process, from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def start_server(
    app: str,
    *,
    workers: int = 1,
    database_url: str | None = None,
    factory: bool = True,
    app_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    log_path: Path | None = None,
    cwd: Path = ROOT,
) -> Server:
    port = port or free_port()
    log_path = log_path or Path(tempfile.mkstemp(prefix="zj-uvicorn-", suffix=".log")[1])
    env = os.environ | {
        "ENV": "production",
        "SECRET_KEY": SECRET,
        "AUDIT_KEY": AUDIT_KEY,
        "PII_KEYS": PII_KEYS,
        "ACCESS_TOKEN_MINUTES": "120",
        "UPLOAD_DIR": str(Path(tempfile.gettempdir()) / "zj-load-uploads"),
        "LOG_LEVEL": "INFO",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    env |= extra_env or {}
    cmd = [PY, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    cmd += ["--log-level", "warning"]
    if factory:
        cmd.append("--factory")
    if workers > 1:
        cmd += ["--workers", str(workers)]
    if app_dir:
        cmd += ["--app-dir", str(app_dir)]
    out = log_path.open("ab")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Server(proc, port, log_path)


def stop_server(server: Server, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Signal the server's own process group (it was started in a new session), then wait."""
    if server.proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.proc.pid, sig)
    try:
        server.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=5)


async def wait_ready(server: Server, path: str = "/readyz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=server.base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                raise RuntimeError(f"server exited with {server.proc.returncode}; log: {server.log_path}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(path)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout} s; log: {server.log_path}")


async def login(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """A bearer token for a demo account; the demo prefecture admin signs in with its second factor too (the
    authenticator's secret is the seed's; a code is good once, so a second admin sign-in within the same 30 s waits
    for the next code)."""
    form = {"username": username, "password": password}
    totp = pyotp.TOTP(DEMO_TOTP_SECRET) if username == "admin" else None
    for attempt in range(2):
        if totp is not None:
            form["totp_code"] = totp.now()
        r = await client.post("/api/v1/auth/token", data=form)
        if r.status_code != 401 or totp is None or attempt:
            break
        await asyncio.sleep(totp.interval - time.time() % totp.interval + 1)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


# --- statistics -----------------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Stats:
    expected: dict[str, int]  # op → the status a success answers
    times: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    statuses: dict[str, collections.Counter] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    samples: dict[str, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    recording: bool = True

    def record(self, op: str, status: int | str, seconds: float, body: str = "") -> None:
        if not self.recording:
            return
        self.times[op].append(seconds)
        self.statuses[op][status] += 1
        if status != self.expected.get(op) and len(self.samples[op]) < 3:
            self.samples[op].append(f"{status}: {body[:300]}")

    def errors(self, op: str) -> int:
        return sum(n for s, n in self.statuses[op].items() if s != self.expected.get(op))

    def five_xx(self, op: str) -> int:
        return sum(n for s, n in self.statuses[op].items() if isinstance(s, int) and s >= 500)

    def total(self) -> int:
        return sum(len(v) for v in self.times.values())

    def table(self, seconds: float, title: str) -> list[str]:
        lines = [title, f"  {'operation':<14}{'n':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'5xx':>6}"]
        for op in sorted(self.times):
            t = self.times[op]
            lines.append(
                f"  {op:<14}{len(t):>7}{len(t) / seconds:>9.1f}{1000 * statistics.median(t):>9.1f}"
                f"{1000 * pct(t, 99):>9.1f}{self.errors(op):>8}{self.five_xx(op):>6}"
            )
        all_t = [x for v in self.times.values() for x in v]
        lines.append(
            f"  {'ALL':<14}{len(all_t):>7}{len(all_t) / seconds:>9.1f}{1000 * statistics.median(all_t):>9.1f}"
            f"{1000 * pct(all_t, 99):>9.1f}{sum(map(self.errors, self.times)):>8}"
            f"{sum(map(self.five_xx, self.times)):>6}"
        )
        for op, samples in self.samples.items():
            for s in samples:
                lines.append(f"  ! {op} {s}")
        return lines


# --- the mixed workload ---------------------------------------------------------------------------------------

CHINA = timezone(timedelta(hours=8))
CHECKLIST_ITEMS = (
    "production_environment",
    "incoming_inspection",
    "process_control",
    "outgoing_inspection",
    "storage_delivery",
    "labelling",
    "nonconforming_products",
    "personnel",
    "incident_handling",
    "records",
)
RECYCLE = 20
"""Every RECYCLE-th request of a user carries `Connection: close`: with keep-alive alone, the connections
opened at the start stay with whichever uvicorn worker accepted them (often all with one), and extra workers
sit idle. Re-connecting lets the kernel hand the new connection to a worker that is waiting in accept."""

MIX = {"list": 30, "read": 30, "create_visit": 12, "submit": 10, "import": 3, "summary": 5}
EXPECTED = {"list": 200, "read": 200, "create_visit": 201, "submit": 200, "import": 201, "summary": 200, "hello": 200}


def visit_body(enterprise_id: str, inspector_ids: list[str]) -> dict:
    """The same shape as tests/builders.py visit_body: a complete, valid routine patrol of yesterday."""
    yesterday = datetime.now(UTC).astimezone(CHINA).date() - timedelta(days=1)
    checklist = {item: {"result": "conforming"} for item in CHECKLIST_ITEMS}
    checklist["licence_conditions"] = {"result": "not_applicable"}
    return {
        "enterprise_id": enterprise_id,
        "visit_type": "routine_patrol",
        "visit_date": yesterday.isoformat(),
        "inspectors": [{"user_id": u, "credential_shown": True} for u in inspector_ids],
        "supervisory_functions": ["metrology"],
        "checklist": checklist,
        "conclusion": "conforming",
        "representative_name": "王五",
        "representative_title": "质量负责人",
    }


def import_batch(n: int, rng: random.Random) -> list[dict]:
    from generate_enterprises import generate

    rows = generate(n, seed=rng.randrange(10**12))[0]
    for row in rows:  # fresh names too, so repeated batches never collide on anything but luck
        row["name"] += uuid.uuid4().hex[:4]
    return rows


@dataclass
class Context:
    """What the workload needs to know about the seeded database (read once through the API)."""

    admin: dict[str, str]
    inspector: dict[str, str]
    inspector_ids: list[str]
    enterprise_ids: list[str]  # any county: read by the prefecture admin
    tacheng_ids: list[str]  # operating, 塔城市, no licence: visited by 塔城市 inspectors
    year: int


async def load_context(client: httpx.AsyncClient) -> Context:
    admin = await login(client, "admin")
    inspector = await login(client, "tcs_insp1")
    directory = await client.get("/api/v1/inspectors", params={"county_code": TACHENG, "limit": 200}, headers=inspector)
    directory.raise_for_status()  # the inspector directory: the prefecture admin no longer reads the user accounts
    teams = ("塔城市执法人员甲", "塔城市执法人员乙")  # tcs_insp1, tcs_insp2 of the demo seed
    inspector_ids = [u["id"] for u in directory.json()["items"] if u["full_name"] in teams]
    ids, tacheng = [], []
    for county in COUNTY_CODES:
        params = {"county_code": county, "limit": 200, "status": "operating"}
        r = await client.get("/api/v1/enterprises", params=params, headers=admin)
        r.raise_for_status()
        page = r.json()["items"]
        ids += [e["id"] for e in page]
        if county == TACHENG:
            tacheng = [e["id"] for e in page]
    if not tacheng:
        raise RuntimeError("no operating enterprise in 塔城市: seed the ledger first")
    year = datetime.now(UTC).astimezone(CHINA).year
    return Context(admin, inspector, inspector_ids, ids, tacheng, year)


class MixedWorkload:
    """One call = one operation, picked by weight; submit takes a draft created earlier (or creates one)."""

    def __init__(self, client: httpx.AsyncClient, ctx: Context, stats: Stats, seed: int = 1, mix: dict | None = None):
        self.client, self.ctx, self.stats = client, ctx, stats
        self.rng = random.Random(seed)
        self.mix = mix or MIX
        self.drafts: collections.deque[str] = collections.deque(maxlen=10_000)
        self.calls = 0
        self.ops, self.weights = list(self.mix), list(self.mix.values())
        self.import_batches = [import_batch(20, self.rng) for _ in range(4)]  # re-upserted: 201, updates/unchanged

    async def _call(self, op: str, method: str, url: str, **kw) -> httpx.Response | None:
        self.calls += 1
        if self.calls % RECYCLE == 0:
            kw["headers"] = {**kw.get("headers", {}), "Connection": "close"}
        started = time.perf_counter()
        try:
            r = await self.client.request(method, url, **kw)
        except httpx.HTTPError as exc:
            self.stats.record(op, type(exc).__name__, time.perf_counter() - started, str(exc))
            return None
        self.stats.record(op, r.status_code, time.perf_counter() - started, r.text)
        return r

    async def step(self) -> None:
        op = self.rng.choices(self.ops, self.weights)[0]
        ctx, rng = self.ctx, self.rng
        if op == "list":
            params = {"limit": 50, "sort": rng.choice(["name", "-updated_at", "risk_class"])}
            if rng.random() < 0.7:
                params["county_code"] = rng.choice(COUNTY_CODES)
            if rng.random() < 0.5:
                params["risk_class"] = rng.choice("ABCD")
            if rng.random() < 0.3:
                params["q"] = rng.choice(["水泥", "恒通", "电线电缆", "化工有限", "9165420"])
            headers = ctx.admin if rng.random() < 0.6 else ctx.inspector
            await self._call("list", "GET", "/api/v1/enterprises", params=params, headers=headers)
        elif op == "read":
            if rng.random() < 0.6:
                eid, headers = rng.choice(ctx.enterprise_ids), ctx.admin
            else:
                eid, headers = rng.choice(ctx.tacheng_ids), ctx.inspector
            await self._call("read", "GET", f"/api/v1/enterprises/{eid}", headers=headers)
        elif op == "create_visit" or (op == "submit" and not self.drafts):
            await self.create_visit()
        elif op == "submit":
            vid = self.drafts.popleft()
            await self._call("submit", "POST", f"/api/v1/visits/{vid}/submit", headers=ctx.inspector)
        elif op == "import":
            batch = rng.choice(self.import_batches)
            await self._call("import", "POST", "/api/v1/enterprise-imports", json=batch, headers=ctx.admin)
        elif op == "summary":
            await self._call("summary", "GET", "/api/v1/reports/summary", params={"year": ctx.year}, headers=ctx.admin)

    async def create_visit(self) -> str | None:
        body = visit_body(self.rng.choice(self.ctx.tacheng_ids), self.ctx.inspector_ids)
        r = await self._call("create_visit", "POST", "/api/v1/visits", json=body, headers=self.ctx.inspector)
        if r is not None and r.status_code == 201:
            vid = r.json()["id"]
            self.drafts.append(vid)
            return vid
        return None


async def run_users(
    step_factory, users: int, seconds: float, warmup: float, stats: Stats, max_requests: int = 2_000_000
) -> float:
    """`users` concurrent loops calling `step()` until `seconds` (after `warmup`) pass or `max_requests` are
    recorded. Returns the measured wall time."""
    stats.recording = False
    stop_at = time.monotonic() + warmup + seconds

    async def user(i: int) -> None:
        step = step_factory(i)
        while time.monotonic() < stop_at and stats.total() < max_requests:
            await step()

    async def arm() -> float:
        await asyncio.sleep(warmup)
        stats.recording = True
        return time.monotonic()

    armed = asyncio.create_task(arm())
    await asyncio.gather(*(user(i) for i in range(users)))
    started = await armed
    stats.recording = False
    return time.monotonic() - started


def http_client(base_url: str, users: int, timeout: float = 30) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits)


async def seed_ledger(client: httpx.AsyncClient, headers: dict, n: int) -> dict:
    """`n` generated enterprises through POST /api/v1/enterprise-imports, in uploads the API checks and writes
    itself (up to SYNC_ROW_LIMIT rows each): a larger one becomes a job for a worker, and these servers run none."""
    from generate_enterprises import generate

    from app.services.imports.submit import SYNC_ROW_LIMIT

    rows = generate(n, seed=7)[0]
    created = 0
    for start in range(0, len(rows), SYNC_ROW_LIMIT):
        r = await client.post(
            "/api/v1/enterprise-imports", json=rows[start : start + SYNC_ROW_LIMIT], headers=headers, timeout=600
        )
        job = r.json() if r.status_code in (200, 201) else None
        if job is None or job["status"] != "succeeded":
            raise RuntimeError(f"seed import failed: {r.status_code} {r.text[:500]}")
        created += job["created_count"]
    return {"created_count": created}
