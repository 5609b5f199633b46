"""The API reference at ``/schema`` is served by the platform itself: a government intranet has no
public CDN, and the default viewer (Scalar from jsDelivr) was blank there."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from litestar.testing import TestClient

from kernel.platform import build_platform
from kernel.settings import load_settings
from oneset.app import create_app

_FOREIGN = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def test_the_reference_page_loads_nothing_from_another_host() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="oneset-reference-"))
    settings = load_settings(
        {
            "ONESET_DATA_DIR": str(scratch / "var"),
            "ONESET_SECRET_KEY": "api-reference",
            "ONESET_BROKER_URL": "memory://",
        }
    )
    with TestClient(app=create_app(build_platform(settings), bind_database=False)) as client:
        page = client.get("/schema")
        assert page.status_code == 200, page.text[:300]
        # Redoc's footer links a logo on cdn.redoc.ly: the page's policy keeps it on this host.
        policy = page.headers["content-security-policy"]
        assert "img-src 'self' data:" in policy and "https:" not in policy
        head = page.text.split("Redoc.init(")[0]  # the embedded document may quote any URL
        assert _FOREIGN.findall(head) == [], head
        script = re.search(r'<script src="([^"]+)"', head)
        assert script is not None and script.group(1).startswith("/static/")
        served = client.get(script.group(1))
        assert served.status_code == 200 and len(served.content) > 100_000
