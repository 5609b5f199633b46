"""The ``oneset`` command line."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any, TypeVar

import click

from oneset import db
from oneset.platform import Platform, current

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

T = TypeVar("T")


def run_async(fn: Callable[[Platform], Coroutine[Any, Any, T]]) -> T:
    """Run ``fn(platform)`` with the database bound, for one-shot commands."""
    platform = current()
    db.bind(db.make_engine(platform.settings))
    return asyncio.run(fn(platform))


@click.group()
def main() -> None:
    """OneSet: 中介超市 · 一套图纸 · 联合测绘."""


@main.command()
def migrate() -> None:
    """Apply every app's database migrations."""
    from oneset.migrations import migrate_all

    settings = current().settings
    applied = asyncio.run(migrate_all(settings))
    click.echo(f"migrations applied ({settings.database_kind}): {applied}")


@main.command("verify-audit")
def verify_audit() -> None:
    """Recompute the audit chain; exit 1 naming the first broken entry."""
    from oneset import audit

    async def go(_: Platform) -> tuple[int, Any]:
        return await audit.verify()

    count, broken = run_async(go)
    if broken is None:
        click.echo(f"audit chain intact: {count} entries")
        return
    click.echo(
        f"audit chain broken at entry seq={broken.seq} (id={broken.id}): {broken.reason}", err=True
    )
    sys.exit(1)


@main.command()
def reindex() -> None:
    """Rebuild every search index from the database."""
    from oneset import outbox
    from oneset.wiring import index_registrations

    bars: dict[str, Any] = {}

    def progress(name: str, done: int, total: int | None) -> None:
        if name not in bars:
            bars[name] = click.progressbar(
                length=total or 0, label=f"{name:<16}", show_pos=True, file=sys.stderr
            )
        bar = bars[name]
        bar.update(done - bar.pos)
        if done == total:
            bar.render_finish()

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
    from accounts import services
    from oneset.errors import DomainError

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

    run_async(load_demo)
    click.echo("demo data loaded; every demo password is demo-pass-2026")


def _worker_argv(beat: bool) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "oneset.celery_app",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
        "--without-mingle",
        "--without-gossip",
    ]
    if beat:
        argv.append("--beat")
    return argv


@main.command()
@click.option("--beat/--no-beat", default=True, help="Also run the periodic scheduler.")
def worker(beat: bool) -> None:
    """Run a Celery worker (and beat) for this installation."""
    os.execv(sys.executable, _worker_argv(beat))  # noqa: S606 - replaces this process by design


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@click.option(
    "--worker/--no-worker", "with_worker", default=True, help="Start a Celery worker + beat."
)
def serve(host: str, port: int, with_worker: bool) -> None:
    """Migrate, then serve the web app with a Celery worker and beat."""
    import uvicorn

    from oneset.migrations import migrate_all

    settings = current().settings
    asyncio.run(migrate_all(settings))
    child = subprocess.Popen(_worker_argv(beat=True)) if with_worker else None  # noqa: S603
    click.echo(f"OneSet serving at http://{host}:{port}/  (data: {settings.data_dir})", err=True)
    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through SystemExit instead
    # lets the finally clause stop the worker rather than orphaning it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run("oneset.app:app_from_env", factory=True, host=host, port=port, log_level="info")
    finally:
        if child is not None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def _register_domain_commands() -> None:
    from oneset.wiring import cli_commands

    for command in cli_commands():
        main.add_command(command)


_register_domain_commands()

if __name__ == "__main__":
    main()
