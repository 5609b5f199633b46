"""Wire contracts of the accounts API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class RegisterIn(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    kind: str
    name: str
    uscc: str
    username: str
    password: str
    region: str = ""


class LoginIn(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    username: str
    password: str


class UserIn(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    username: str
    password: str
    display_name: str = ""
    role: str = "member"


class OrganisationOut(msgspec.Struct, rename="camel"):
    id: int
    kind: str
    name: str
    uscc: str


class RegisteredOut(msgspec.Struct, rename="camel"):
    organisation: OrganisationOut
    user_id: int
    username: str


class TokenOut(msgspec.Struct, rename="camel"):
    access_token: str
    token_type: str
    expires_at: datetime


class MeOut(msgspec.Struct, rename="camel"):
    user_id: int
    username: str
    role: str
    organisation: OrganisationOut


class OrganisationListItem(msgspec.Struct, rename="camel"):
    id: int
    kind: str
    kind_label: str
    name: str
    uscc: str
    region: str


class OrganisationPage(msgspec.Struct, rename="camel"):
    items: list[OrganisationListItem]
    total: int
    facets: dict[str, dict[str, int]]
