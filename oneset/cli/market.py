"""Marketplace commands: ``oneset verify-draw PROOF.json``, ``oneset load-catalog``,
``oneset market-run-due``, ``oneset export-ocds DIR``, ``oneset ocds-coverage`` and
``oneset market-stats``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from kernel.platform import Platform


@click.command("verify-draw")
@click.argument("proof_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_draw(proof_file: Path) -> None:
    """Recompute a published draw proof (DESIGN.md algorithm); exit 1 naming each mismatch."""
    from market.api import verify_proof

    try:
        proof = json.loads(proof_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        click.echo(f"cannot read proof: {exc}", err=True)
        sys.exit(2)
    if not isinstance(proof, dict):
        click.echo("proof must be a JSON object", err=True)
        sys.exit(2)
    problems = verify_proof(proof)
    if problems:
        for problem in problems:
            click.echo(f"MISMATCH {problem}", err=True)
        sys.exit(1)
    draws = proof.get("draws") or []
    click.echo(
        f"proof verified: purchase {proof.get('purchaseId')}, {len(proof['candidates'])} "
        f"candidates, {len(draws)} draws"
    )
    for d in draws:
        click.echo(f"  {d['purpose']} round {d['round']}: {d['selected']}")


@click.command("load-catalog")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="catalog JSON (default: the bundled seed of real items)",
)
def load_catalog(path: Path | None) -> None:
    """Load the service item catalog (中介服务事项清单); updates existing codes."""
    from market.api import load_catalog as load
    from market.api import parse_catalog
    from oneset.cli.main import run_async

    items = parse_catalog(path.read_bytes()) if path else None

    async def go(_: object) -> tuple[int, int]:
        return await load(items)

    created, updated = run_async(go)
    click.echo(f"catalog loaded: {created} created, {updated} updated")


@click.command("market-run-due")
def run_due() -> None:
    """Close due sign-ups and run due selections now (what beat does every 30 s)."""
    from market.api import run_due as due
    from oneset.cli.main import run_async

    counts = run_async(due)
    click.echo(f"selections run: {counts or 'none due'}")


@click.command("export-ocds")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_ocds(directory: Path) -> None:
    """Write the OCDS 1.1 bulk files: releases.jsonl and a release package per month."""
    from market.api import export_ocds as export
    from oneset.cli.main import run_async

    async def go(platform: Platform) -> list[Path]:
        return await export(platform.settings, directory)

    for path in run_async(go):
        click.echo(f"wrote {path}")


@click.command("ocds-coverage")
@click.option("--json", "as_json", is_flag=True, help="JSON: {processes, counts}.")
def ocds_coverage(*, as_json: bool) -> None:
    """Which OCDS fields the export fills (Cardinal's coverage over the compiled releases)."""
    from market.api import ocds_field_coverage
    from oneset.cli.main import run_async

    async def go(platform: Platform) -> Any:
        return await ocds_field_coverage(platform.settings)

    found = run_async(go)
    if as_json:
        click.echo(json.dumps({"processes": found.processes, "counts": found.counts}, indent=1))
        return
    click.echo(f"compiled releases: {found.processes}")
    click.echo("   count  share    path (share of processes; below an array each element counts)")
    for path, count in sorted(found.counts.items()):
        share = found.share(path)
        click.echo(f"{count:>8}  {'' if share is None else f'{share:.1%}':>6}  {path}")


@click.command("market-stats")
def refresh_stats() -> None:
    """Recompute the published performance figures now (what beat does every 15 minutes)."""
    from market.api import refresh_stats as refresh
    from oneset.cli.main import run_async

    counts = run_async(refresh)
    click.echo(f"figures: {counts['figures']} in {counts['ms']} ms")


COMMANDS = [verify_draw, load_catalog, run_due, export_ocds, ocds_coverage, refresh_stats]
