"""The accounts domain's public surface: the only module other packages import.

Who is acting (``Actor``), the kinds of organisation, the Litestar dependencies that turn a
token into an actor, the account use cases other domains and the pages call, and the
organisations' in-site notices (``send_notices`` inside the caller's transaction).
"""

from __future__ import annotations

from accounts.actor import SYSTEM, Actor
from accounts.demo import (
    DEMO_PASSWORD,
    DEMO_REGION,
    DemoOrganisation,
    add_demo_organisations,
    demo_organisations,
    demo_uscc,
)
from accounts.deps import SESSION_COOKIE, client_address, provide_actor, provide_optional_actor
from accounts.notices import (
    NoticePage,
    NoticeView,
    mark_all_notices_read,
    mark_notice_read,
    notices_of,
    send_notices,
    unread_notices,
)
from accounts.regions import REGIONS
from accounts.rules import ORG_KIND_LABELS, OrgKind
from accounts.services import (
    IssuedToken,
    OrganisationRef,
    Registered,
    actor_by_username,
    actor_for,
    actor_names,
    add_user,
    create_organisation,
    login,
    logout,
    organisation,
    organisation_names,
    search_organisations,
)

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_REGION",
    "ORG_KIND_LABELS",
    "REGIONS",
    "SESSION_COOKIE",
    "SYSTEM",
    "Actor",
    "DemoOrganisation",
    "IssuedToken",
    "NoticePage",
    "NoticeView",
    "OrgKind",
    "OrganisationRef",
    "Registered",
    "actor_by_username",
    "actor_for",
    "actor_names",
    "add_demo_organisations",
    "add_user",
    "client_address",
    "create_organisation",
    "demo_organisations",
    "demo_uscc",
    "login",
    "logout",
    "mark_all_notices_read",
    "mark_notice_read",
    "notices_of",
    "organisation",
    "organisation_names",
    "provide_actor",
    "provide_optional_actor",
    "search_organisations",
    "send_notices",
    "unread_notices",
]
