"""The ``oneset`` command line."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TypeVar

import click
import uvicorn

from kernel.platform import Platform, current
from oneset.bootstrap import start_command
from oneset.serving import ArrivalStampingProtocol

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from pathlib import Path

T = TypeVar("T")


def run_async(fn: Callable[[Platform], Coroutine[Any, Any, T]]) -> T:
    """Run ``fn(platform)`` with the database bound, for one-shot commands."""
    return asyncio.run(fn(start_command()))


@click.group()
def main() -> None:
    """OneSet: 中介超市 · 一套图纸 · 联合测绘."""


@main.command()
def migrate() -> None:
    """Apply every app's database migrations."""
    from oneset.migrations import migrate_all

    settings = current().settings
    applied = asyncio.run(migrate_all(settings))
    for line in applied:
        click.echo(line)
    click.echo(f"database up to date ({settings.database_kind})")


@main.command("verify-audit")
def verify_audit() -> None:
    """Recompute the keyed audit chain and check it against its signed checkpoints.

    Exit 1 naming each problem: the first entry that does not follow from its predecessor, a
    chain shorter than a checkpoint (truncated) or differing from one (rewritten).
    """
    from kernel import audit

    async def go(platform: Platform) -> tuple[int, list[str]]:
        return await audit.verify_anchored(platform.blobs)

    count, problems = run_async(go)
    if not problems:
        click.echo(f"audit chain intact: {count} entries")
        return
    for problem in problems:
        click.echo(f"audit chain broken: {problem}", err=True)
    sys.exit(1)


@main.command("audit-checkpoint")
def audit_checkpoint() -> None:
    """Sign the audit chain's head now and keep it outside the database (beat does it too)."""
    from kernel import audit

    async def go(platform: Platform) -> object:
        return await audit.checkpoint(platform.blobs)

    made = run_async(go)
    click.echo(f"checkpoint: {made}" if made else "checkpoint: chain empty or unchanged")


@main.command("check-consistency")
@click.option("--deep", is_flag=True, help="Also read every blob and check its SHA-256.")
@click.option(
    "--check",
    "checks",
    multiple=True,
    type=click.Choice(["blobs", "search", "outbox", "audit"]),
    help="Run only these checks (repeatable; default: all).",
)
@click.option(
    "--outbox-max-age",
    default=300,
    show_default=True,
    type=click.IntRange(0),
    help="Seconds an outbox entry may wait before it counts as stuck.",
)
@click.option(
    "--repair",
    is_flag=True,
    help="Fix what is safe to fix (search documents from rows, stuck outbox entries, "
    "unreferenced blobs past the grace period; never rows), then check again.",
)
def check_consistency(
    deep: bool, checks: tuple[str, ...], outbox_max_age: int, repair: bool
) -> None:
    """Compare the stores: rows ↔ blobs, search ↔ database, outbox drained, audit chain.

    Exits 1 naming each mismatch (with --repair: each one left after the repairs).
    """
    from datetime import timedelta

    from oneset import consistency

    async def check(platform: Platform) -> list[consistency.Mismatch]:
        return await consistency.check_all(
            platform,
            checks=checks or consistency.CHECKS,
            deep=deep,
            outbox_max_age=timedelta(seconds=outbox_max_age),
        )

    async def go(platform: Platform) -> list[consistency.Mismatch]:
        found = await check(platform)
        if not repair or not found:
            return found
        for mismatch in found:
            click.echo(str(mismatch), err=True)
        for done in await consistency.repair(platform, found):
            click.echo(str(done), err=True)
        return await check(platform)

    found = run_async(go)
    for mismatch in found:
        click.echo(str(mismatch), err=True)
    ran = ", ".join(checks or consistency.CHECKS)
    if found:
        left = " left after repair" if repair else ""
        click.echo(f"{len(found)} mismatches{left} ({ran})", err=True)
        sys.exit(1)
    click.echo(f"consistent ({ran}{', deep' if deep else ''})")


@main.command("gc-blobs")
@click.option(
    "--grace-seconds",
    type=click.FloatRange(0),
    default=None,
    help="Keep unreferenced blobs younger than this (default: ONESET_BLOB_GC_GRACE_SECONDS).",
)
@click.option("--dry-run", is_flag=True, help="Only list the blobs that would be deleted.")
def gc_blobs(grace_seconds: float | None, dry_run: bool) -> None:
    """Delete blobs no row references, once older than the grace period (beat runs it too)."""
    from datetime import timedelta

    from oneset import hygiene

    grace = None if grace_seconds is None else timedelta(seconds=grace_seconds)

    async def go(platform: Platform) -> hygiene.Collected:
        return await hygiene.collect_blobs(platform, grace, dry_run=dry_run)

    collected = run_async(go)
    for sha in collected.deleted:
        click.echo(f"{'would delete' if dry_run else 'deleted'} {sha}")
    for sha in collected.retained:
        click.echo(f"kept {sha}: under retention")
    verb = "would free" if dry_run else "freed"
    click.echo(
        f"{len(collected.deleted)} unreferenced blobs, {verb} {collected.bytes_freed} bytes",
        err=True,
    )


def _progress_bars() -> Callable[[str, int, int | None], None]:
    """``progress(name, done, total)`` drawing one counted bar per name on stderr."""
    bars: dict[str, Any] = {}
    finished: set[str] = set()
    tty = sys.stderr.isatty()

    def progress(name: str, done: int, total: int | None) -> None:
        if name in finished:
            return
        if not tty:  # a log or a pipe gets one line per finished phase with its count
            if done == total:
                finished.add(name)
                click.echo(f"{name:<16}{done}/{total}", err=True)
            return
        if name not in bars:
            bars[name] = click.progressbar(
                length=total or 0, label=f"{name:<16}", show_pos=True, file=sys.stderr
            )
        bar = bars[name]
        bar.update(done - bar.pos)
        if done == total:
            finished.add(name)
            bar.render_finish()

    return progress


@main.command()
def reindex() -> None:
    """Rebuild every search index from the database."""
    from kernel import outbox
    from oneset.wiring import index_registrations

    progress = _progress_bars()

    async def go(platform: Platform) -> dict[str, int]:
        return await outbox.reindex(platform, index_registrations(), progress=progress)

    for name, count in run_async(go).items():
        click.echo(f"{name}: {count} documents")


@main.command("create-org")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["enterprise", "intermediary", "department", "operator", "regulator"]),
)
@click.option("--name", required=True)
@click.option("--uscc", required=True, help="统一社会信用代码")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--region", default="")
def create_org(kind: str, name: str, uscc: str, username: str, password: str, region: str) -> None:
    """Create an organisation of any kind with its first admin user."""
    from accounts import api as services
    from kernel.errors import DomainError

    async def go(_: Platform) -> services.Registered:
        return await services.create_organisation(
            kind=kind, name=name, uscc=uscc, username=username, password=password, region=region
        )

    try:
        created = run_async(go)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(
        f"created {created.kind.value} #{created.org_id} {created.name} (admin {created.username})"
    )


@main.command()
def demo() -> None:
    """Load demo organisations, users and data (idempotent)."""
    from oneset.wiring import load_demo

    started = time.perf_counter()
    progress = _progress_bars()
    run_async(lambda platform: load_demo(platform, progress))
    click.echo(
        f"demo data loaded in {time.perf_counter() - started:.0f} s; "
        "every demo password is demo-pass-2026"
    )


def _celery_argv(*args: str, quiet: bool = False) -> list[str]:
    """``quiet``: without Celery's start-up banner (the embedded worker and beat of serve)."""
    flags = ["--quiet"] if quiet else []
    return [sys.executable, "-m", "celery", "-A", "oneset.celery_app", *flags, *args]


def _worker_argv(beat: bool, name: str | None = None, quiet: bool = False) -> list[str]:
    argv = _celery_argv(
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
        "--without-mingle",
        "--without-gossip",
        quiet=quiet,
    )
    if beat:
        argv.append("--beat")
    if name:
        argv += ["--hostname", name]
    return argv


@main.command()
@click.option("--beat/--no-beat", default=True, help="Also run the periodic scheduler.")
@click.option(
    "--name",
    default=None,
    help="Celery node name, e.g. worker2@%h (several workers on one machine need distinct names).",
)
def worker(beat: bool, name: str | None) -> None:
    """Run a Celery worker (and beat) for this installation."""
    os.execv(sys.executable, _worker_argv(beat, name))  # noqa: S606 - replaces this process by design


ROOT_WARNING_FILTER = "ignore:You're running the worker with superuser privileges"


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _announce_when_listening(server: uvicorn.Server, url: str, data_dir: Path) -> None:
    """Print the URL once the port accepts connections (not before)."""
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    click.echo(f"OneSet serving at {url}  (data: {data_dir})", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=int, help="Port to listen on (make run PORT=N)."
)
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=True,
    show_default=True,
    help="Also run and supervise a Celery worker and beat (restarted if they exit).",
)
def serve(host: str, port: int, with_worker: bool) -> None:
    """Migrate, then serve the web app; supervise a Celery worker and beat beside it."""
    from oneset.migrations import migrate_all
    from oneset.supervise import Supervised

    settings = current().settings
    if not _port_free(host, port):
        raise click.ClickException(
            f"端口 {port} 已被占用 (port {port} on {host} is taken): "
            "choose another with --port N, or PORT=N for make run"
        )
    from kernel.logs import configure_logging

    for line in asyncio.run(migrate_all(settings)):
        click.echo(line, err=True)
    configure_logging(settings.log_level)
    from oneset.hygiene import remove_stale_temp

    remove_stale_temp(settings, current().blobs)  # what a killed process left behind
    if os.geteuid() == 0:
        # Celery warns on every start that it runs as root; the embedded worker runs as whoever
        # ran `make run` (a container's root included), so its children skip that one warning.
        os.environ["PYTHONWARNINGS"] = ",".join(
            filter(None, (os.environ.get("PYTHONWARNINGS"), ROOT_WARNING_FILTER))
        )
    children = (
        [
            Supervised("worker", _worker_argv(beat=False, quiet=True)),
            Supervised("beat", _celery_argv("beat", "--loglevel", "INFO", quiet=True)),
        ]
        if with_worker
        else []
    )
    for child in children:
        child.start()
    config = uvicorn.Config(
        "oneset.app:app_from_env",
        factory=True,
        http=ArrivalStampingProtocol,
        host=host,
        port=port,
        log_level="info",
        log_config=None,  # uvicorn's loggers reach the one-event-per-line root handler
    )
    server = uvicorn.Server(config)
    url = f"http://{host}:{port}/"
    threading.Thread(
        target=_announce_when_listening, args=(server, url, settings.data_dir), daemon=True
    ).start()
    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through SystemExit instead
    # lets the finally clause stop the children rather than orphaning them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.run()
    finally:
        for child in children:
            child.stop()


def _register_domain_commands() -> None:
    from oneset.cli import drawings, market, surveys

    for command in (*market.COMMANDS, *drawings.COMMANDS, *surveys.COMMANDS):
        main.add_command(command)


_register_domain_commands()
