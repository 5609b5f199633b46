"""``oneset verify-archive``: check a completion archive offline. ``oneset refresh-previews``:
draw again, in the isolated runner, the previews made before they had layer groups."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from drawings.api import previews_to_refresh, refresh_preview, verify_archive

if TYPE_CHECKING:
    from kernel.platform import Platform


@click.command("verify-archive")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--sha256",
    "expected",
    default=None,
    help="SHA-256 recorded when archiving (audit entry drawings.archived).",
)
@click.option(
    "--trust",
    "trust",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Root certificate (PEM) the seals must chain to; default: the archived platform root.",
)
def verify_archive_command(path: Path, expected: str | None, trust: Path | None) -> None:
    """Recompute every file's SHA-256 against the manifest and validate every signature in the
    archived PDFs; exit 1 naming each problem (each failing signature by field and signer)."""
    problems = verify_archive(
        path,
        expected_sha256=expected.lower() if expected else None,
        trust_root_pem=trust.read_bytes() if trust else None,
    )
    if not problems:
        click.echo(f"归档包完整：{path}")
        return
    for problem in problems:
        click.echo(problem, err=True)
    sys.exit(1)


@click.command("refresh-previews")
def refresh_previews_command() -> None:
    """Redraw every DXF/DWG preview that lacks layer groups (the viewer's layer toggles need
    them); safe to run again, revisions keep their status, comments and texts."""
    from oneset.cli.main import run_async

    async def go(platform: Platform) -> tuple[int, int]:
        done = skipped = 0
        after = 0
        while ids := await previews_to_refresh(after):
            for revision_id in ids:
                redrawn = await refresh_preview(platform, revision_id)
                done, skipped = done + redrawn, skipped + (not redrawn)
                click.echo(f"revision {revision_id}: {'redrawn' if redrawn else 'unchanged'}")
            after = ids[-1]
        return done, skipped

    done, skipped = run_async(go)
    click.echo(f"已重新生成 {done} 个预览，{skipped} 个未能重新生成。")


COMMANDS = [verify_archive_command, refresh_previews_command]
