"""Object-level rules a grant does not cover by itself: a designer's ``contribute`` grant never
reaches the owner's revisions, and a QR code tells only whoever holds it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from drawings.rules.currency_tokens import currency_token
from drawings.services import processing, sheets
from drawings.tables import Revision
from tests import helpers
from tests.drawings.conftest import API, CODE, World

if TYPE_CHECKING:
    from tests.conftest import Database


async def _uploaded_by(world: World, who: helpers.Session, sheet: str, relative: str) -> int:
    response = await world.upload(sheet, relative, who=who)
    assert response.status_code == 201, response.text
    revision_id = int(response.json()["id"])
    await processing.process_revision(world.platform, revision_id)
    return revision_id


async def test_a_contributor_deletes_only_its_own_work_in_progress(
    world: World, db: Database
) -> None:
    designer = await world.designer()
    owners = await world.uploaded("建施-01", "dxf/bin_dxf_r12.dxf")
    mine = await _uploaded_by(world, designer, "建施-02", "dxf/justify_test_cn.dxf")
    await world.sealed_print("建施-03")  # a DXF is shared with its sealed PDF print
    shared = await _uploaded_by(world, designer, "建施-03", "dxf/block_color_cn.dxf")
    to_shared = await world.post(
        f"/revisions/{shared}/transitions", designer, json={"to": "shared"}
    )
    assert to_shared.status_code == 200, to_shared.text

    refused = await world.client.delete(f"{API}/revisions/{owners}", headers=designer.headers)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "revision_not_yours"
    assert await Revision.exists().where(Revision.id == owners)
    # Once shared with the readers, the draft is the owner's to withdraw.
    gone_shared = await world.client.delete(f"{API}/revisions/{shared}", headers=designer.headers)
    assert gone_shared.status_code == 403
    assert await Revision.exists().where(Revision.id == shared)

    own = await world.client.delete(f"{API}/revisions/{mine}", headers=designer.headers)
    assert own.status_code == 204
    by_owner = await world.client.delete(f"{API}/revisions/{shared}", headers=world.owner.headers)
    assert by_owner.status_code == 204
    assert not await Revision.exists().where(Revision.id.is_in([mine, shared]))


async def test_currency_answers_the_qr_holder_and_readers_only(world: World, db: Database) -> None:
    revision_id = await world.uploaded("建施-09", "dxf/justify_test_cn.dxf")
    settings = world.platform.settings
    url = urlsplit(sheets.currency_url(settings, revision_id))
    token = parse_qs(url.query)["t"][0]
    path = f"{API}/revisions/{revision_id}/currency"
    secret = str(settings.secret_key)

    # Anonymous without the code's token: 401 and nothing else, existing revision or not.
    for params in ({}, {"t": "x" * 22}, {"t": currency_token(revision_id + 1, secret)}):
        refused = await world.client.get(path, params=params)
        assert refused.status_code == 401, params
        assert refused.json()["code"] == "currency_token_required"
        assert CODE not in refused.text and "sha256" not in refused.text
    missing = await world.client.get(f"{API}/revisions/{revision_id + 999}/currency")
    assert (missing.status_code, missing.json()["code"]) == (401, "currency_token_required")

    # The holder of the printed code: where the revision stands in its sheet, nothing more.
    held = await world.client.get(f"{url.path}?{url.query}")
    assert held.status_code == 200, held.text
    body = held.json()
    assert (body["revisionId"], body["seq"], body["newerExists"]) == (revision_id, 1, False)
    hidden = ("projectCode", "projectName", "sheetNumber", "sheetTitle", "state", "sha256")
    assert all(body[k] is None for k in hidden)

    # A reader of the set: everything, as before. Another organisation: 403 without the code.
    full = (await world.get(f"/revisions/{revision_id}/currency")).json()
    assert (full["projectCode"], full["sheetNumber"], full["state"]) == (CODE, "建施-09", "wip")
    stranger = await helpers.login_as(world.client, "enterprise")
    assert (await world.get(f"/revisions/{revision_id}/currency", stranger)).status_code == 403
    with_code = await world.get(f"/revisions/{revision_id}/currency", stranger, params={"t": token})
    assert with_code.status_code == 200
    assert with_code.json()["projectCode"] is None
