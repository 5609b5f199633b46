"""Every input is bounded at the edge (issue #11 item 2): ids and integers beyond 64 bits, deep or
repeated-key JSON, control characters and overlong strings answer 422 naming the field, never
500, on every route, logged in or not."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kernel.bounds import JSON_MAX_DEPTH, MAX_ID, NAME_MAX, TEXT_MAX, json_depth
from tests import helpers

Client = AsyncTestClient[Any]
HUGE = "99999999999999999999"
_INT_PARAM = re.compile(r"\{(\w+):int\}")
_STR_PARAM = re.compile(r"\{(\w+):str\}")
JSON = {"content-type": "application/json"}


def _int_routes(client: Client) -> list[tuple[str, str, str]]:
    """(method, path with the first int parameter huge, that parameter's name) of every route."""
    found = []
    for route in client.app.routes:
        match = _INT_PARAM.search(route.path)
        if match is None:
            continue
        path = _INT_PARAM.sub("1", route.path.replace(match.group(0), HUGE, 1))
        path = _STR_PARAM.sub("x", path)
        methods = sorted(getattr(route, "methods", ()) or ())
        found += [(m, path, match.group(1)) for m in methods if m not in {"HEAD", "OPTIONS"}]
    return found


async def test_ids_beyond_64_bits_are_422_on_every_route(client: Client) -> None:
    operator = await helpers.login_as(client, "operator")
    routes = _int_routes(client)
    assert len(routes) >= 15
    for who in ({}, operator.headers):
        for method, path, name in routes:
            r = await client.request(method, path, headers={**who, **JSON}, content=b"{}")
            if path.startswith("/api/"):
                assert r.status_code == 422, (method, path, r.status_code, r.text[:300])
                assert r.json()["field"] == name, (path, r.text)
                assert r.json()["code"] == "id_out_of_range"
            else:  # pages: the error page, never a 500
                assert r.status_code in (401, 403, 404, 422), (method, path, r.status_code)
    for bad in ("0", "-1", str(MAX_ID + 1)):
        r = await client.get(f"/api/v1/market/purchases/{bad}")
        assert (r.status_code, r.json()["field"]) == (422, "pid"), r.text
    r = await client.get(f"/api/v1/market/purchases/{MAX_ID}")
    assert r.status_code == 404, r.text


async def test_query_and_body_integers_beyond_64_bits(client: Client) -> None:
    for query in ({"offset": HUGE}, {"limit": "-" + HUGE}, {"offset": str(2**40)}):
        r = await client.get("/api/v1/market/purchases", params=query)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == next(iter(query)), r.text
    owner = await helpers.login_as(client, "enterprise")
    r = await client.post(
        "/api/v1/drawings/projects",
        headers=owner.headers,
        json={"projectCode": "2019-440305-70-03-012345", "name": "示范"},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/drawings/projects/2019-440305-70-03-012345/grants",
        headers={**owner.headers, **JSON},
        content=b'{"orgId": ' + HUGE.encode() + b', "role": "read"}',
    )
    assert (r.status_code, r.json()["field"], r.json()["code"]) == (
        422,
        "orgId",
        "integer_out_of_range",
    ), r.text
    for org_id in (MAX_ID + 1, 2**40, 0):  # ids are SERIAL (32-bit) columns on PostgreSQL
        r = await client.post(
            "/api/v1/drawings/projects/2019-440305-70-03-012345/grants",
            headers=owner.headers,
            json={"orgId": org_id, "role": "read"},
        )
        assert (r.status_code, r.json()["field"]) == (422, "orgId"), r.text
    r = await client.post(
        "/api/v1/drawings/projects/2019-440305-70-03-012345/grants",
        headers=owner.headers,
        json={"orgId": MAX_ID, "role": "read"},
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid"), r.text  # no such organisation


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (b'{"username":' + b"[" * 20_000 + b"]" * 20_000 + b"}", "json_too_deep", "body"),
        (b"[" * (JSON_MAX_DEPTH + 1) + b"]" * (JSON_MAX_DEPTH + 1), "json_too_deep", "body"),
        (b'{"username":"a","username":"b","password":"x"}', "duplicate_key", "username"),
        (b'{"username":"a\\u0000b","password":"x"}', "control_character", "username"),
        (b'{"username":"a","password":"x\\u001b"}', "control_character", "password"),
        (
            b'{"username":"' + b"a" * (TEXT_MAX + 1) + b'","password":"x"}',
            "string_too_long",
            "username",
        ),
        (
            b'{"username":"' + b"a" * (NAME_MAX + 1) + b'","password":"x"}',
            "validation_failed",
            "username",
        ),
        (b'{"username":"a\\nb","password":"x"}', "validation_failed", "username"),
        (b'{"username":"a"}', "validation_failed", "password"),
        (b'{"username":"a","password":"x","surprise":1}', "validation_failed", "surprise"),
    ],
)
async def test_hostile_login_bodies_are_422(
    client: Client, body: bytes, code: str, field: str
) -> None:
    r = await client.post("/api/v1/accounts/login", content=body, headers=JSON)
    assert r.status_code == 422, r.text[:300]
    assert (r.json()["code"], r.json()["field"]) == (code, field), r.text[:300]


async def test_strings_are_bounded_everywhere(client: Client) -> None:
    r = await client.post(
        "/api/v1/accounts/register",
        json={
            "kind": "enterprise",
            "name": "名" * (900_000 // 3),
            "uscc": "91330100MA27XXXX0X",
            "username": "long-name",
            "password": "test-pass-2026",
        },
    )
    assert (r.status_code, r.json()["field"]) == (422, "name"), r.text[:300]
    r = await client.get("/api/v1/market/purchases", params={"q": "a\x00b", "status": "x"})
    assert (r.status_code, r.json()["field"]) == (422, "q"), r.text[:300]
    owner = await helpers.login_as(client, "enterprise")
    r = await client.post(
        "/api/v1/drawings/projects",
        headers=owner.headers,
        json={"projectCode": "2019-440305-70-03-012345", "name": "项目\x00名"},
    )
    assert (r.status_code, r.json()["field"]) == (422, "name"), r.text[:300]
    r = await client.post(
        "/api/v1/drawings/projects",
        headers=owner.headers,
        json={"projectCode": "2019-440305-70-03-012345", "name": "项" * (NAME_MAX + 1)},
    )
    assert (r.status_code, r.json()["field"]) == (422, "name"), r.text[:300]


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, [2]]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"1") == 0


async def test_page_forms_refuse_control_characters(client: Client) -> None:
    """The pages' forms go through the same edge: a NUL never reaches the database (PostgreSQL
    refuses it in text, which was a 500)."""
    from tests.web.pages import form

    r = await form(
        client,
        "/register",
        {
            "kind": "enterprise",
            "name": "某某\x00公司",
            "uscc": "91330100MA27XXXX0X",
            "username": "nul-user",
            "password": "test-pass-2026",
            "password2": "test-pass-2026",
        },
    )
    assert r.status_code == 422, r.text[:300]
    assert "控制字符" in r.text
    r = await client.get("/login", params={"back": "/\x00"})
    assert r.status_code == 422, r.text[:300]
