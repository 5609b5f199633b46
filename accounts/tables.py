"""Organisations, their users, login attempts, and the in-site notices (站内消息) they receive."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from kernel.columns import ClockNow


class Organisation(Table, tablename="accounts_organisation"):
    id = Serial(primary_key=True)
    kind = Varchar(
        length=20, index=True
    )  # enterprise | intermediary | department | operator | regulator
    name = Varchar(length=200)
    uscc = Varchar(length=18, unique=True)  # 统一社会信用代码
    region = Varchar(length=12, default="")  # 行政区划代码 of the registered address
    created_at = Timestamptz(default=ClockNow())


class User(Table, tablename="accounts_user"):
    id = Serial(primary_key=True)
    username = Varchar(length=64, unique=True)
    password_hash = Varchar(length=200)
    display_name = Varchar(length=100, default="")
    organisation = ForeignKey(references=Organisation, index=True)
    role = Varchar(length=20, default="admin")  # admin | member
    active = Boolean(default=True)
    created_at = Timestamptz(default=ClockNow())


class LoginAttempt(Table, tablename="accounts_login_attempt"):
    id = Serial(primary_key=True)
    username = Varchar(length=64, index=True)
    at = Timestamptz(default=ClockNow(), index=True)
    succeeded = Boolean(default=False)
    remote = Varchar(length=64, default="")


class LoginThrottle(Table, tablename="accounts_login_throttle"):
    """Login attempts the throttle refused, counted per (address, user name) or per address
    (``*``) and lock-out window; the window's first refusal is audited, the rest only counted."""

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)  # "<address>|<user name>" or "<address>|*"
    window_start = Timestamptz(default=ClockNow())
    refused = BigInt(default=0)  # refused in the current window


class RevokedToken(Table, tablename="accounts_revoked_token"):
    """A signed-out access token, refused until its own expiry; rows past it are purged."""

    id = Serial(primary_key=True)
    token_id = Varchar(length=64, unique=True)  # the token's ``jti``
    user_id = Integer(index=True)
    expires_at = Timestamptz(index=True, default=ClockNow())  # always set from the token
    revoked_at = Timestamptz(default=ClockNow())


class Notice(Table, tablename="accounts_notice"):
    """站内消息 to an organisation (every user of it reads the same inbox), written in the
    transaction of the state change it reports; ``read_at`` is None while unread."""

    id = Serial(primary_key=True)
    recipient = ForeignKey(references=Organisation, index=True)
    kind = Varchar(length=40)  # e.g. selected | not_selected | failed | contract_uploaded
    title = Varchar(length=200)
    body = Text(default="")
    link = Varchar(length=300, default="")  # a page path of this site, e.g. /purchases/7
    created_at = Timestamptz(default=ClockNow())
    read_at = Timestamptz(null=True, default=None)
