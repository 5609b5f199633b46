"""Every response carries the security headers: pages, API, static files, errors."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from oneset.security_headers import CONTENT_SECURITY_POLICY


async def test_every_kind_of_response_carries_the_headers(client: AsyncTestClient[Any]) -> None:
    for path, status in (
        ("/", 200),
        ("/health", 200),
        ("/api/v1/market/purchases/999999", 404),
        ("/static/style.css", 200),
        ("/login", 200),
    ):
        response = await client.get(path)
        assert response.status_code == status, path
        headers = response.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "same-origin", path
        assert "strict-transport-security" not in headers  # the test platform is plain http
