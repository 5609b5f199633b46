"""The OpenAPI document (``/schema/openapi.json``) lists the problem-details responses each API
operation can give: a walk over every operation fails on one that lacks any of them.

Which operations refuse anonymous callers comes from the authorisation table
(``docs/authorisation.md``, itself checked against the app's behaviour by
``test_authorisation_table.py``), not from the code that writes the document.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from kernel.bounds import MAX_ID
from kernel.platform import build_platform
from kernel.settings import load_settings
from oneset.app import create_app
from tests.conftest import REPO_ROOT

_SCRATCH = Path(tempfile.mkdtemp(prefix="oneset-openapi-"))
_ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \| ([^|]+) \|")
_METHODS = ("get", "post", "put", "patch", "delete")
_UNSAFE = ("post", "put", "patch", "delete")


def _document() -> dict[str, Any]:
    settings = load_settings(
        {
            "ONESET_DATA_DIR": str(_SCRATCH / "var"),
            "ONESET_SECRET_KEY": "openapi-problems",
            "ONESET_BROKER_URL": "memory://",
        }
    )
    with TestClient(app=create_app(build_platform(settings), bind_database=False)) as client:
        response = client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text[:300]
    document: dict[str, Any] = response.json()
    return document


DOCUMENT = _document()
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    if path.startswith("/api/")
    for method in _METHODS
    if method in item
)


def _anonymous_refused() -> set[tuple[str, str]]:
    """(method, OpenAPI path) of the table's rows whose anonymous cell is ``—``."""
    rows = set()
    for line in (REPO_ROOT / "docs" / "authorisation.md").read_text(encoding="utf-8").splitlines():
        if (match := _ROW.match(line)) and match.group(3).strip() == "—":
            rows.add((match.group(1), re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", match.group(2))))
    return rows


REFUSED = _anonymous_refused()


def _operation(method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = DOCUMENT["paths"][path][method.lower()]
    return operation


def expected_problems(method: str, path: str) -> set[str]:
    """What an operation must document, from what it takes and who may call it."""
    operation = _operation(method, path)
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    expected = {"503"}
    if (method, path) in REFUSED or operation.get("security"):
        expected |= {"401", "403"}
    if any(p["in"] == "path" for p in parameters):
        expected.add("404")
    if parameters or body:
        expected |= {"400", "422"}
    if body:
        expected.add("413")
    if "application/octet-stream" in body:
        expected.add("415")
    if method.lower() in _UNSAFE and operation.get("security") == [{"bearer": []}]:
        expected.add("409")  # a logged-in write: the object's state may forbid it
    if path.endswith("/accounts/login"):
        expected |= {"401", "429"}
    return expected


def test_the_walk_covers_every_api_operation() -> None:
    assert len(OPERATIONS) >= 90, OPERATIONS
    assert REFUSED, "no row of the authorisation table refuses anonymous callers"
    assert not REFUSED - set(OPERATIONS), sorted(REFUSED - set(OPERATIONS))


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_documents_its_problems(method: str, path: str) -> None:
    responses = _operation(method, path)["responses"]
    missing = expected_problems(method, path) - set(responses)
    assert not missing, f"{method} {path} does not document {sorted(missing)}"
    for status, response in responses.items():
        if int(status) >= 400:
            content = response.get("content", {})
            assert list(content) == ["application/problem+json"], (status, content)
            schema = content["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (status, schema)


def test_anonymous_refusals_need_the_bearer_scheme() -> None:
    """What the table refuses to anonymous callers says so with its security requirement."""
    for method, path in sorted(REFUSED):
        assert _operation(method, path).get("security") == [{"bearer": []}], (method, path)
    scheme = DOCUMENT["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_problem_schema_matches_the_problem_details_we_send() -> None:
    schema = DOCUMENT["components"]["schemas"]["Problem"]
    assert set(schema["required"]) == {"title", "status", "detail", "code"}
    assert {"type", "field", "errors"} <= set(schema["properties"])
    assert schema.get("additionalProperties", True) is not False  # extra members may follow


def test_uploads_document_their_raw_body_and_ids_their_range() -> None:
    uploads = [
        (m, p)
        for m, p in OPERATIONS
        if "application/octet-stream" in _operation(m, p).get("requestBody", {}).get("content", {})
    ]
    assert len(uploads) == 3, uploads  # a revision, a survey file, evidence
    for method, path in OPERATIONS:
        for parameter in _operation(method, path).get("parameters", []):
            if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                schema = parameter["schema"]
                assert (schema["minimum"], schema["maximum"]) == (1, MAX_ID), (method, path)
