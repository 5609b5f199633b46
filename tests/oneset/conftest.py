"""Fixtures shared with the drawings tests (a project owner with a project)."""

from __future__ import annotations

from tests.drawings.conftest import world  # noqa: F401 - re-exported fixture
