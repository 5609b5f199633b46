"""Fixtures for the drawings API tests: an owner with a project, other organisations, running
the processing job and the outbox the way the worker would, and the designer unit whose persons
e-seal sheets before they are shared (seals are required by default, scenario 14)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from drawings.services import processing
from kernel import outbox
from oneset.wiring import index_registrations
from tests import helpers
from tests.paths import SHARED_DATA

if TYPE_CHECKING:
    from litestar.testing import AsyncTestClient

    from kernel.platform import Platform

API = "/api/v1/drawings"
CODE = "2019-440305-70-03-012345"
DESIGNER = "深圳市某某建筑设计研究院有限公司"
PRINT = "pdf/AutoCad_Simple.pdf"  # a small PDF standing in for a DWG/DXF sheet's print


@dataclass
class World:
    client: AsyncTestClient[Any]
    platform: Platform
    owner: helpers.Session
    designers: dict[str, helpers.Session] = field(default_factory=dict)

    async def upload(
        self,
        sheet: str,
        relative_or_bytes: str | bytes,
        *,
        who: helpers.Session | None = None,
        code: str = CODE,
        **params: str,
    ) -> Any:
        body = (
            relative_or_bytes
            if isinstance(relative_or_bytes, bytes)
            else (SHARED_DATA / relative_or_bytes).read_bytes()
        )
        return await self.client.post(
            f"{API}/projects/{code}/sheets/{sheet}/revisions",
            content=body,
            params=params,
            headers=(who or self.owner).headers,
        )

    async def uploaded(self, sheet: str, relative: str, **params: str) -> int:
        """Upload and process; returns the revision id (status ready or failed)."""
        response = await self.upload(sheet, relative, who=None, code=CODE, **params)
        assert response.status_code == 201, response.text
        revision_id = int(response.json()["id"])
        await processing.process_revision(self.platform, revision_id)
        return revision_id

    async def grant(self, session: helpers.Session, role: str = "read") -> None:
        response = await self.client.post(
            f"{API}/projects/{CODE}/grants",
            json={"orgId": session.org_id, "role": role},
            headers=self.owner.headers,
        )
        assert response.status_code == 201, response.text

    async def designer(self, name: str = DESIGNER) -> helpers.Session:
        """The designer unit (a ``contribute`` grant), signed in once per test."""
        if name not in self.designers:
            session = await helpers.login_as(self.client, "intermediary", name=name)
            await self.grant(session, "contribute")
            self.designers[name] = session
        return self.designers[name]

    async def seal(
        self,
        revision: int,
        who: helpers.Session | None = None,
        *,
        role: str = "designer",
        x: float = 36.0,
        y: float = 36.0,
    ) -> Any:
        """The designer unit's person e-seals the PDF revision (the real signing service)."""
        response = await self.post(
            f"/revisions/{revision}/signatures",
            who or await self.designer(),
            json={"purpose": "design", "role": role, "x": x, "y": y},
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def sealed_print(self, sheet: str, relative: str = PRINT) -> int:
        """A DWG/DXF sheet is shared with its sealed PDF print: upload one to ``sheet``."""
        revision = await self.uploaded(sheet, relative)
        await self.seal(revision)
        return revision

    async def dispatch(self) -> None:
        """What the outbox dispatcher would do (tasks are not sent: the tests run them)."""
        while await outbox.dispatch(
            self.platform, index_registrations(), send=lambda _name, _args: None
        ):
            pass

    def get(self, path: str, who: helpers.Session | None = None, **kw: Any) -> Any:
        return self.client.get(f"{API}{path}", headers=(who or self.owner).headers, **kw)

    def post(self, path: str, who: helpers.Session | None = None, **kw: Any) -> Any:
        return self.client.post(f"{API}{path}", headers=(who or self.owner).headers, **kw)


@pytest.fixture
async def world(client: AsyncTestClient[Any], platform: Platform) -> World:
    owner = await helpers.login_as(client, "enterprise", name="深圳市某某置业有限公司")
    response = await client.post(
        f"{API}/projects", json={"projectCode": CODE, "name": "某某花园一期"}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    return World(client, platform, owner)
