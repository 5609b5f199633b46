"""Design changes (设计变更) after review: a minor change needs the review agency's "does not
affect review content" ruling, a major one a re-review by the ORIGINAL review agency, before the
new revision can be published."""

from __future__ import annotations

from enum import StrEnum

from kernel.errors import Invalid


class ChangeKind(StrEnum):
    MINOR = "minor"  # 一般变更
    MAJOR = "major"  # 重大变更


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def check_request(kind: str, description: str) -> ChangeKind:
    if kind not in ("minor", "major"):
        raise Invalid("变更类型须为 minor（一般变更）或 major（重大变更）。", field="kind")
    if not description.strip():
        raise Invalid("请说明变更内容。", field="description")
    return ChangeKind(kind)


def needs_original_reviewer(kind: str, base_review_org: int | None, org_id: int) -> bool:
    """A major change is re-reviewed by the organisation that published the base revision."""
    return kind == ChangeKind.MAJOR and base_review_org not in (None, org_id)


def determination(kind: str, *, approved: bool) -> str:
    """What the review agency's decision on a change amounts to."""
    if not approved:
        return "变更未获认可"
    return "不影响审查内容" if kind == ChangeKind.MINOR else "重大变更复审通过"
