"""The authorisation table (docs/authorisation.md) covers every API route of the app: a new route
without a row fails here, so does a row left behind by a removed route; and every route the table
says refuses anonymous callers answers an anonymous request with 401 problem details."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from kernel.platform import build_platform
from kernel.settings import load_settings
from oneset.app import create_app
from tests.conftest import REPO_ROOT

TABLE = REPO_ROOT / "docs" / "authorisation.md"
_ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \| ([^|]+) \|")
_SCRATCH = Path(tempfile.mkdtemp(prefix="oneset-authz-"))
# Routes whose required query parameters are checked before authentication.
_QUERY = {
    "/api/v1/surveys/commissions": {"projectCode": "2019-440305-70-03-012345"},
    "/api/v1/market/evidence": {"subject": "intermediary:1", "kind": "business_licence"},
}


def _app() -> Any:
    settings = load_settings(
        {
            "ONESET_DATA_DIR": str(_SCRATCH / "var"),
            "ONESET_SECRET_KEY": "authorisation-table",
            "ONESET_BROKER_URL": "memory://",
        }
    )
    return create_app(build_platform(settings), bind_database=False)


APP = _app()


def _app_routes() -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in APP.routes
        for method in getattr(route, "methods", ()) or ()
        if route.path.startswith("/api/v1/") and method not in {"HEAD", "OPTIONS"}
    )


def _table() -> dict[tuple[str, str], str]:
    rows: dict[tuple[str, str], str] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if match := _ROW.match(line):
            key = (match.group(1), match.group(2))
            assert key not in rows, f"two rows for {key}"
            rows[key] = match.group(3).strip()
    return rows


ROWS = _table()
ROUTES = _app_routes()


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_route_has_a_row(method: str, path: str) -> None:
    assert (method, path) in ROWS, f"{method} {path}: add its row to docs/authorisation.md"


def test_every_row_names_a_route() -> None:
    stale = sorted(set(ROWS) - set(ROUTES))
    assert not stale, f"rows without a route in the app: {stale}"


REFUSED = [key for key in ROUTES if ROWS.get(key) == "—"]


@pytest.fixture(scope="module")
def anonymous() -> Any:
    with TestClient(app=APP) as client:
        yield client


@pytest.mark.parametrize(("method", "path"), REFUSED, ids=[f"{m} {p}" for m, p in REFUSED])
def test_anonymous_is_refused_where_the_table_says(anonymous: Any, method: str, path: str) -> None:
    url = re.sub(r"\{[^}:]+:int\}", "1", path)
    url = re.sub(r"\{[^}:]+:str\}", "x", url)
    body: dict[str, Any] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    response = anonymous.request(method, url, json=body, params=_QUERY.get(path))
    assert response.status_code == 401, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
