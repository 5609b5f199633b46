"""Certificates a department issues from its confirmed check: kinds, who issues which, numbers."""

from __future__ import annotations

import enum

from kernel.errors import Conflict, Invalid
from surveys.rules.check_states import CheckStatus
from surveys.rules.checks import Outcome


class CertificateKind(enum.StrEnum):
    PLANNING_VERIFICATION = "planning_verification"  # 规划核实确认书
    LAND_VERIFICATION = "land_verification"  # 用地复核意见书


CERTIFICATE_DEPARTMENT = {
    CertificateKind.PLANNING_VERIFICATION: "planning",
    CertificateKind.LAND_VERIFICATION: "land",
}
CERTIFICATE_PREFIX = {
    CertificateKind.PLANNING_VERIFICATION: "GHHS",
    CertificateKind.LAND_VERIFICATION: "YDFH",
}


def certificate_kinds(department: str) -> list[str]:
    """The certificate kinds a department issues from its confirmed check."""
    return [kind.value for kind, issuer in CERTIFICATE_DEPARTMENT.items() if issuer == department]


def parse_kind(kind: str) -> CertificateKind:
    try:
        return CertificateKind(kind)
    except ValueError:
        raise Invalid(
            "证书类型须为 planning_verification 或 land_verification", field="kind"
        ) from None


def not_confirmed() -> Conflict:
    return Conflict("核验尚未确认，不能出具文书", code="check_not_confirmed")


def issuable_version(status: str, final_outcome: str, decided_version: int | None) -> int:
    """The package version a certificate is issued on: only a confirmed check that did not fail
    yields one."""
    if status != CheckStatus.CONFIRMED or decided_version is None:
        raise not_confirmed()
    if final_outcome == Outcome.FAIL:
        raise Conflict("核验结论为不通过，不能出具确认文书", code="check_failed")
    return decided_version


def certificate_number(
    kind: CertificateKind, year: int, commission_id: int, package_version: int
) -> str:
    """One number per kind, commission and decided package version (``GHHS-2026-00007-2``):
    issuing again for the same decision finds the same certificate."""
    return f"{CERTIFICATE_PREFIX[kind]}-{year}-{commission_id:05d}-{package_version}"
