"""``oneset verify-archive``: check a completion archive offline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from drawings.api import verify_archive


@click.command("verify-archive")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--sha256",
    "expected",
    default=None,
    help="SHA-256 recorded when archiving (audit entry drawings.archived).",
)
def verify_archive_command(path: Path, expected: str | None) -> None:
    """Recompute every file's SHA-256 against the manifest; exit 1 naming each problem."""
    problems = verify_archive(path, expected_sha256=expected.lower() if expected else None)
    if not problems:
        click.echo(f"归档包完整：{path}")
        return
    for problem in problems:
        click.echo(problem, err=True)
    sys.exit(1)


COMMANDS = [verify_archive_command]
