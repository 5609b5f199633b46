"""Who is acting: the authenticated user and their organisation, passed to every service."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.rules import OrgKind
from kernel.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    org_id: int
    org_kind: OrgKind
    org_name: str
    uscc: str
    role: str

    @property
    def label(self) -> str:
        """How the audit chain names this actor."""
        return f"user:{self.user_id}:{self.username}"

    def require_kind(self, *kinds: OrgKind) -> None:
        if self.org_kind not in kinds:
            raise Forbidden("当前机构类型无权执行此操作", code="wrong_org_kind")

    @property
    def is_supervisor(self) -> bool:
        return self.org_kind in (OrgKind.OPERATOR, OrgKind.REGULATOR)


SYSTEM = "system"  # audit actor for beat jobs and the CLI
