"""Database engine selection, binding and transactions (Piccolo).

Tables look their engine up through ``PICCOLO_CONF`` by default; ``bind`` pins every table of
every OneSet app to one engine, which is how the web process, the workers and the tests choose
SQLite or PostgreSQL at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from piccolo.engine.base import Engine
    from piccolo.table import Table

    from kernel.settings import Settings

_bound: dict[str, Engine[Any]] = {}  # one engine per process, like the tables' own binding


def make_engine(settings: Settings) -> Engine[Any]:
    if settings.database_kind == "postgres":
        return PostgresEngine(config={"dsn": settings.database_url})
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # timeout: writers from the web process and the worker wait for each other instead of
    # failing with "database is locked".
    return SQLiteEngine(path=str(path), timeout=30)


def bind(engine: Engine[Any], tables: Iterable[type[Table]]) -> None:
    """Point ``tables`` (the composition root passes every app's) at ``engine``, process-wide."""
    for table in tables:
        table._meta.db = engine
    _bound["engine"] = engine


def engine() -> Engine[Any]:
    bound = _bound.get("engine")
    if bound is None:
        raise RuntimeError("database engine not bound; call kernel.db.bind() at start-up")
    return bound


def is_postgres() -> bool:
    return isinstance(engine(), PostgresEngine)


def transaction() -> Any:
    """A write transaction; IMMEDIATE on SQLite so concurrent writers queue, not deadlock."""
    eng = engine()
    if isinstance(eng, SQLiteEngine):
        return eng.transaction(transaction_type=TransactionType.immediate)
    return eng.transaction()


async def ping() -> None:
    from kernel.tables import AuditEntry

    await AuditEntry.raw("SELECT 1")


async def insert_rows(
    tablename: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, chunk: int = 20_000
) -> None:
    """Many rows through the driver (``COPY`` on PostgreSQL, ``executemany`` on SQLite), in
    transactions of ``chunk`` rows: a bulk write without building a Piccolo object per row, and
    without holding SQLite's write lock for the whole of it. Values as Piccolo writes them
    (aware datetimes, dates, ints, strings)."""
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{tablename}" ({names}) VALUES ({marks})'  # noqa: S608 - our names
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        async with transaction() as tx:
            if is_postgres():
                await tx.connection.copy_records_to_table(
                    tablename, records=part, columns=list(columns)
                )
            else:
                await tx.connection.executemany(statement, part)
