"""Which exceptions mean "the database is unreachable now" (503, retry) rather than a failed query.

Both cases below were 500s in the proving ground while PostgreSQL restarted under load.
"""

from __future__ import annotations

from asyncpg import exceptions as pg

from kernel.errors import database_unavailable


def test_a_pooled_connection_left_mid_query_is_unavailable() -> None:
    # asyncpg's pool resetting a connection whose query was cut off by the server going away.
    exc = pg.InternalClientError("cannot switch to state 15; another operation (2) is in progress")
    assert database_unavailable(exc)


def test_a_lost_database_inside_a_task_group_is_unavailable() -> None:
    lost = pg.AdminShutdownError("terminating connection due to administrator command")
    group = BaseExceptionGroup("unhandled errors in a TaskGroup", [lost])
    assert database_unavailable(group)
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = group
    assert database_unavailable(wrapped)


def test_a_failed_query_is_not_unavailable() -> None:
    assert not database_unavailable(pg.UniqueViolationError("duplicate key"))
    assert not database_unavailable(pg.InternalClientError("some other client error"))
    assert not database_unavailable(ExceptionGroup("g", [ValueError("bad input")]))
