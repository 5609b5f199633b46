"""Wire contracts of the accounts API."""

from __future__ import annotations

from datetime import datetime

import msgspec

from kernel.bounds import BoundedIn, Name


class RegisterIn(BoundedIn):
    kind: Name
    name: Name
    uscc: Name
    username: Name
    password: Name
    region: Name = ""


class LoginIn(BoundedIn):
    username: Name
    password: Name


class UserIn(BoundedIn):
    username: Name
    password: Name
    display_name: Name = ""
    role: Name = "member"


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


class NoticeOut(msgspec.Struct, rename="camel"):
    """One in-site notice (站内消息) of the caller's organisation."""

    id: int
    kind: str
    title: str
    body: str
    link: str  # a page path of this site
    created_at: datetime
    read_at: datetime | None
    unread: bool


class NoticeListOut(msgspec.Struct, rename="camel"):
    items: list[NoticeOut]
    total: int
    unread_count: int
    offset: int
    limit: int


class NoticeReadOut(msgspec.Struct, rename="camel"):
    marked: int  # notices that were unread and are read now
    unread_count: int
