"""The ``oneset`` command line: platform commands in ``main``, domain commands beside it."""

from __future__ import annotations

from oneset.cli.main import main

__all__ = ["main"]
