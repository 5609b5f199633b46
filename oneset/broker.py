"""The embedded Celery broker: kombu's SQLAlchemy transport on a SQLite file in the data dir.

Why not kombu's filesystem transport (the old default): its producer creates a message file and
then writes it, so a consumer can take the file in between, read it empty and die with
``JSONDecodeError`` (an unrecoverable error for the worker); it delivered about two messages a
second; and a message taken by a worker that is then killed is gone. Here every publish and
every fetch is a SQLite transaction, so a message is wholly there or not at all, and two
consumers never take the same one (``BEGIN IMMEDIATE``).

Delivery is at least once, as with Redis: a fetched message is leased, not deleted. The ack
deletes it; a requeue or a graceful shutdown releases it; a message whose lease is older than
``visibility_timeout`` (a worker killed mid-task) is delivered again. Lease times are SQLite's
own clock (``CURRENT_TIMESTAMP``), so they never move with a test's business clock.
``tests/integration/test_broker.py`` runs it with concurrent producers and consumers and kills
a worker mid-task. Redis stays the production broker.
"""

from __future__ import annotations

import fcntl
import threading
from contextlib import contextmanager
from json import loads
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any, cast

from kombu.transport import TRANSPORT_ALIASES, virtual
from kombu.transport import sqlalchemy as kombu_sqla
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import TextClause, event, text
from sqlalchemy.orm import sessionmaker

from kernel.settings import EMBEDDED_BROKER

if TYPE_CHECKING:
    from collections.abc import Iterator

VISIBILITY_TIMEOUT = 3600  # seconds; longer than any task's hard time limit
_OUR_OPTIONS = ("polling_interval", "visibility_timeout")
# {messages} is kombu's table name; every value is a bound parameter.
_DELIVERABLE = "queue_id = :queue AND (visible = 1 OR timestamp < datetime('now', :expired))"
_PEEK = "SELECT 1 FROM {messages} WHERE " + _DELIVERABLE + " LIMIT 1"
_TAKE = "SELECT id, payload FROM {messages} WHERE " + _DELIVERABLE + " ORDER BY id LIMIT 1"
_LEASE = "UPDATE {messages} SET visible = 0, timestamp = CURRENT_TIMESTAMP WHERE id = :id"
_DELETE = "DELETE FROM {messages} WHERE id = :id"
_RELEASE = "UPDATE {messages} SET visible = 1 WHERE id = :id"
_ADD_QUEUE = "INSERT OR IGNORE INTO {queues} (name) VALUES (:name)"


def register() -> None:
    """Let kombu resolve ``embedded+sqlite:///…`` URLs (the settings' default) to this transport."""
    TRANSPORT_ALIASES[EMBEDDED_BROKER] = f"{__name__}:Transport"


class QoS(virtual.QoS):
    """Settles leases in the database: ack deletes, requeue and shutdown release."""

    def ack(self, delivery_tag: str) -> None:
        cast("Channel", self.channel).settle(delivery_tag, delete=True)
        super().ack(delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        cast("Channel", self.channel).settle(delivery_tag, delete=not requeue)
        super().ack(delivery_tag)  # not super().reject: it would publish the message again


class Channel(kombu_sqla.Channel):
    QoS = QoS

    def __init__(self, connection: Any, **kwargs: Any) -> None:
        options = connection.client.transport_options
        self.visibility_timeout = int(options.get("visibility_timeout", VISIBILITY_TIMEOUT))
        self._leases: dict[str, int] = {}  # delivery tag → message row
        # One SQLAlchemy session serves the consumer loop and Celery's result-handler thread
        # (which acks late tasks), and a session is not thread-safe: every use holds this lock.
        self._lock = threading.RLock()
        self._queue_ids: dict[str, int] = {}
        super().__init__(connection, **kwargs)

    def _open(self) -> Any:
        """The engine and session factory, the schema created once across processes.

        kombu checks for each table and then creates it, so processes starting together on a new
        file (``oneset serve``'s web, worker and beat; the first ``make run``) raced: the losers got
        "table already exists", which kombu takes for a lost connection, closing the channel it
        then publishes on (``'NoneType' object has no attribute 'client'``).
        """
        sqla: Any = kombu_sqla  # untyped module
        client: Any = self.connection.client
        hostname = str(client.hostname)
        with sqla._MUTEX:
            if hostname not in self._engines:
                engine = self._engine_from_config()
                with _file_lock(engine.url.database):
                    sqla.metadata.create_all(engine)
                self._engines[hostname] = engine, sessionmaker(bind=engine)
        return self._engines[hostname]

    def _get_or_create(self, queue: str) -> Any:
        """The queue's row, inserted if missing; two processes declaring it at once both get it.

        (kombu's check-then-insert lets the slower one fail on the unique name.)
        """
        with self._lock:
            session = self.session
            queue_cls: Any = self.queue_cls
            row = session.query(queue_cls).filter(queue_cls.name == queue).first()
            if row is None:
                add = text(_ADD_QUEUE.format(queues=self.queue_tablename))
                session.execute(add, {"name": queue})
                session.commit()
                row = session.query(queue_cls).filter(queue_cls.name == queue).one()
            return row

    # kombu's two bases name the second parameter differently (message, payload).
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        with self._lock:
            super()._put(queue, payload, **kwargs)

    def _purge(self, queue: str) -> int:
        with self._lock:
            return int(super()._purge(queue))

    def _size(self, queue: str) -> int:
        with self._lock:
            return int(super()._size(queue))

    def _engine_from_config(self) -> Any:
        client: Any = self.connection.client
        saved = {key: client.transport_options.pop(key) for key in _OUR_OPTIONS if key in
                 client.transport_options}  # fmt: skip
        try:
            engine = super()._engine_from_config()
        finally:
            client.transport_options.update(saved)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL may wait
            cursor.execute("PRAGMA journal_mode=WAL")  # producers never wait for readers
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: a crashed process loses nothing
            cursor.close()

        return engine

    def _queue_id(self, queue: str) -> int:
        """The queue's row id (fixed once created), read once per channel."""
        if queue not in self._queue_ids:
            self._queue_ids[queue] = int(self._get_or_create(queue).id)
        return self._queue_ids[queue]

    def _sql(self, statement: str) -> TextClause:
        return text(statement.format(messages=self.message_tablename))

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """Lease the oldest deliverable message of ``queue`` (visible, or its lease expired)."""
        with self._lock:
            params = {
                "queue": self._queue_id(queue),
                "expired": f"-{self.visibility_timeout} seconds",
            }
            session = self.session
            try:
                if session.execute(self._sql(_PEEK), params).first() is None:
                    raise Empty()  # an idle poll takes no write lock
                session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
                row = session.execute(self._sql(_TAKE), params).first()
                if row is None:
                    raise Empty()
                session.execute(self._sql(_LEASE), {"id": row.id})
                payload = loads(bytes_to_str(row.payload))
            finally:
                session.commit()
            tag = payload.get("properties", {}).get("delivery_tag")
            if tag is not None:
                self._leases[tag] = int(row.id)
            return payload

    def settle(self, delivery_tag: str, *, delete: bool) -> None:
        """Delete (acked, rejected) or release (requeued, restored) a leased message."""
        with self._lock:
            row_id = self._leases.pop(delivery_tag, None)
            if row_id is None:
                return
            self.session.execute(self._sql(_DELETE if delete else _RELEASE), {"id": row_id})
            self.session.commit()

    def _restore(self, message: Any) -> None:
        """Unacked at shutdown: release the lease (kombu would publish a second copy)."""
        self.settle(message.delivery_tag, delete=False)


@contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<database>.lock`` (nothing to lock for an in-memory one)."""
    if not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Transport(kombu_sqla.Transport):
    Channel = Channel
    polling_interval = 0.1
