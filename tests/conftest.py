"""Test harness: real servers on loopback, one schema per database engine, fresh data per test.

The environment is set before any ``oneset`` module is imported, so module-level objects (the
Celery app, Piccolo's configuration) never touch the repository's ``var/`` or a real broker.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="oneset-test-"))
os.environ["ONESET_DATA_DIR"] = str(_SESSION_DIR / "var")
os.environ["ONESET_BROKER_URL"] = "memory://"
os.environ["ONESET_SECRET_KEY"] = "test-secret-key-with-enough-entropy-0123456789"
os.environ.pop("ONESET_DATABASE_URL", None)
os.environ.pop("ONESET_MINIO_ENDPOINT", None)

from litestar.testing import AsyncTestClient  # noqa: E402
from piccolo.engine.postgres import PostgresEngine  # noqa: E402
from piccolo.engine.sqlite import SQLiteEngine  # noqa: E402

from kernel import clock  # noqa: E402
from kernel.platform import Platform, build_platform, set_current  # noqa: E402
from kernel.settings import Settings, load_settings, require_services  # noqa: E402
from oneset.app import create_app  # noqa: E402
from oneset.bootstrap import bind_database  # noqa: E402
from oneset.wiring import all_tables, index_registrations  # noqa: E402
from search.embedded import EmbeddedSearchIndex  # noqa: E402
from search.meili_index import MeiliSearchIndex  # noqa: E402
from search.ports import SearchIndex  # noqa: E402
from storage.local import LocalBlobStore  # noqa: E402
from storage.minio_store import MinioBlobStore  # noqa: E402
from storage.ports import BlobStore  # noqa: E402
from tests.support.servers import (  # noqa: E402
    MINIO_PASSWORD,
    MINIO_USER,
    MeiliServer,
    MinioServer,
    PostgresServer,
    RedisServer,
    ServerUnavailable,
    meili_binary,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Every ``async def test_*`` runs under anyio (asyncio backend), marked before anyio looks."""
    if name.startswith("test") and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


# The schemathesis run's case counts (tests/api/test_fuzz.py), printed at the end of the run; they
# travel with each test's report as a recorded property, so pytest-xdist's workers report them too.
_FUZZ_RUNS: list[dict[str, Any]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        runs = [v for k, v in report.user_properties if k == "schemathesis"]
        _FUZZ_RUNS.extend(run for run in runs if isinstance(run, dict))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FUZZ_RUNS:
        cases = sum(run["cases"] for run in _FUZZ_RUNS)
        seconds = sum(run["seconds"] for run in _FUZZ_RUNS)
        each = ", ".join(f"{run['identity']} {run['cases']}" for run in _FUZZ_RUNS)
        terminalreporter.write_line(f"schemathesis: {cases} cases ({each}) in {seconds:.0f} s")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def missing_service(reason: str) -> None:
    """Skip with the reason, or fail when CI requires every service (ONESET_REQUIRE_SERVICES=1)."""
    if require_services():
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason=reason)


# -- servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
        server.start()
    except (ServerUnavailable, subprocess.CalledProcessError, OSError) as exc:
        missing_service(f"PostgreSQL: {exc}")
        raise
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    try:
        server = RedisServer()
        url = server.start()
    except (ServerUnavailable, OSError) as exc:
        missing_service(f"Redis: {exc}")
        raise
    yield url
    server.cleanup()


def running_minio() -> Iterator[MinioServer]:
    """A private MinIO server for as long as the generator is open (skip/fail when missing)."""
    try:
        server = MinioServer()
        server.start()
    except (ServerUnavailable, OSError) as exc:
        missing_service(f"MinIO: {exc}")
        raise
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def minio_server() -> Iterator[MinioServer]:
    yield from running_minio()


@dataclass(frozen=True)
class Meili:
    url: str
    key: str | None


@pytest.fixture(scope="session")
def meili() -> Iterator[Meili]:
    """ONESET_MEILI_URL (and ONESET_MEILI_KEY), or a private server from PATH / ../shared/bin."""
    url = os.environ.get("ONESET_MEILI_URL")
    if url:
        yield Meili(url, os.environ.get("ONESET_MEILI_KEY"))
        return
    try:
        server = MeiliServer(master_key=uuid.uuid4().hex, binary=meili_binary())
        url = server.start()
    except (ServerUnavailable, OSError) as exc:
        missing_service(f"Meilisearch: {exc}")
        raise
    yield Meili(url, server.master_key)
    server.cleanup()


@pytest.fixture(scope="session")
def meili_url(meili: Meili) -> str:
    return meili.url


# -- database ----------------------------------------------------------------------------------


def run_migrations(database_url: str) -> None:
    env = {**os.environ, "ONESET_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "oneset", "migrate"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"migrations failed:\n{result.stdout}\n{result.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    run_migrations(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    url = postgres_server.create_database("oneset_test")
    run_migrations(url)
    return url


@dataclass(frozen=True)
class Database:
    kind: str
    url: str


async def _truncate_all(url: str) -> None:
    import asyncpg

    names = ", ".join(f'"{t._meta.tablename}"' for t in all_tables())
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """A migrated, empty database bound to every table; parametrised over both engines."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "oneset.sqlite3"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        bind_database(SQLiteEngine(path=str(path), timeout=30))
    else:
        url = request.getfixturevalue("postgres_template")
        asyncio.run(_truncate_all(url))
        bind_database(PostgresEngine(config={"dsn": url}))
    return Database(request.param, url)


# -- platform and app ------------------------------------------------------------------------------


def platform_settings(database: Database, data_dir: Path, **extra: str) -> Settings:
    env = {
        "ONESET_DATA_DIR": str(data_dir),
        "ONESET_DATABASE_URL": database.url,
        "ONESET_SECRET_KEY": os.environ["ONESET_SECRET_KEY"],
        "ONESET_BROKER_URL": "memory://",
        "ONESET_INDEX_PREFIX": f"t{uuid.uuid4().hex[:8]}_",
        # Tokens expire on kernel.clock; test calendars span weeks of simulated time.
        "ONESET_TOKEN_TTL_MINUTES": str(90 * 24 * 60),
        # No worker runs beside the in-process app; tests of the heartbeat set their own limit.
        "ONESET_HEARTBEAT_STALE_SECONDS": "0",
        **extra,
    }
    return load_settings(env)


# Tests of the directory, the board and drawing text run on both engines: decorate them with
# ``@ON_BOTH_ENGINES`` (Meilisearch runs with SQLite only, see pytest_collection_modifyitems).
ON_BOTH_ENGINES = pytest.mark.parametrize("search_engine", ["embedded", "meili"])


@pytest.fixture
def search_engine() -> str:
    return "embedded"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Meilisearch x PostgreSQL adds nothing the two other pairs do not test: deselect it."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(item, "callspec", None)
        pair = (params.params.get("db"), params.params.get("search_engine")) if params else ()
        (dropped if pair == ("postgres", "meili") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def platform_env() -> dict[str, str]:
    """Settings a test module changes from the defaults (override it there, saying why)."""
    return {}


@pytest.fixture
def platform(
    db: Database,
    tmp_path: Path,
    search_engine: str,
    platform_env: dict[str, str],
    request: pytest.FixtureRequest,
) -> Platform:
    extra = dict(platform_env)
    if search_engine == "meili":
        server: Meili = request.getfixturevalue("meili")
        extra |= {"ONESET_MEILI_URL": server.url, "ONESET_MEILI_KEY": server.key or ""}
    plat = build_platform(platform_settings(db, tmp_path / "var", **extra))
    for registration in index_registrations():
        plat.search.ensure_index(registration.spec)
    set_current(plat)
    return plat


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    app = create_app(platform, bind_database=False)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


# -- contract-suite adapters ---------------------------------------------------------


@pytest.fixture(params=["local", "minio"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs", now=clock.now)
    server: MinioServer = request.getfixturevalue("minio_server")
    return MinioBlobStore(
        endpoint=server.endpoint,
        access_key=MINIO_USER,
        secret_key=MINIO_PASSWORD,
        bucket=f"t-{uuid.uuid4().hex[:12]}",
        timeout_seconds=5,
        now=clock.now,
    )


def make_search_index(engine: str, request: pytest.FixtureRequest, root: Path) -> SearchIndex:
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    if engine == "embedded":
        return EmbeddedSearchIndex(root / "search", prefix)
    server: Meili = request.getfixturevalue("meili")
    return MeiliSearchIndex(server.url, server.key, prefix, timeout=5)


@pytest.fixture(params=["embedded", "meili"])
def search_index(request: pytest.FixtureRequest, tmp_path: Path) -> SearchIndex:
    return make_search_index(request.param, request, tmp_path)
