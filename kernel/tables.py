"""Kernel tables: the audit chain (and its entries awaiting a link), the outbox, heartbeats."""

from __future__ import annotations

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from kernel.columns import ClockNow


class AuditEntry(Table, tablename="oneset_audit"):
    """Append-only; ``digest`` = sha256(seq, prev_hash, at, actor, action, subject, payload)."""

    id = Serial(primary_key=True)
    seq = Integer(unique=True, index=True)
    at = Varchar(length=40)  # ISO-8601 UTC text, hashed exactly as stored
    actor = Varchar(length=200)
    action = Varchar(length=100, index=True)
    subject = Varchar(length=200, index=True)
    payload = Text()  # canonical JSON
    prev_hash = Varchar(length=64)
    digest = Varchar(length=64)


class AuditPending(Table, tablename="oneset_audit_pending"):
    """Entries recorded in their change's transaction, not yet chained: ``audit.seal`` moves
    them, in ``id`` order, into ``AuditEntry``. Kept apart so the chain's rows are all linked."""

    id = Serial(primary_key=True)
    at = Varchar(length=40)
    actor = Varchar(length=200)
    action = Varchar(length=100)
    subject = Varchar(length=200)
    payload = Text()


class OutboxEntry(Table, tablename="oneset_outbox"):
    """Work implied by a committed change: an index update or a Celery task to send."""

    id = Serial(primary_key=True)
    kind = Varchar(length=16)  # "index" | "task"
    target = Varchar(length=200)  # index name or task name
    payload = Text()  # document id, or JSON list of task arguments
    created_at = Timestamptz(default=ClockNow())
    available_at = Timestamptz(default=ClockNow(), index=True)
    attempts = Integer(default=0)
    done_at = Timestamptz(null=True, default=None, index=True)
    last_error = Text(default="")
    claimed_by = Varchar(length=200, default="")  # the worker node that last claimed it


class Heartbeat(Table, tablename="oneset_heartbeat"):
    """The last time a worker ran the beat-sent heartbeat task (proves broker, beat and worker)."""

    id = Serial(primary_key=True)
    name = Varchar(length=200, unique=True)
    at = Timestamptz(default=ClockNow())
