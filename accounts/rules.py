"""Pure account rules: organisation kinds, who may self-register, credential checks."""

from __future__ import annotations

import re
from enum import StrEnum

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from kernel.errors import Invalid


class OrgKind(StrEnum):
    ENTERPRISE = "enterprise"  # 项目业主
    INTERMEDIARY = "intermediary"  # 中介服务机构
    DEPARTMENT = "department"  # 审批/行业主管部门
    OPERATOR = "operator"  # 平台运营方
    REGULATOR = "regulator"  # 监管部门


ORG_KIND_LABELS = {
    OrgKind.ENTERPRISE: "项目业主",
    OrgKind.INTERMEDIARY: "中介服务机构",
    OrgKind.DEPARTMENT: "审批部门",
    OrgKind.OPERATOR: "平台运营方",
    OrgKind.REGULATOR: "监管部门",
}

# Zero threshold: these register themselves, free, with no approval gate before login.
SELF_REGISTERING = frozenset({OrgKind.ENTERPRISE, OrgKind.INTERMEDIARY})

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
MIN_PASSWORD = 8
# C0/C1 controls, DEL, zero-width characters, bidi marks, embeddings, overrides and isolates, BOM.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def parse_kind(value: str) -> OrgKind:
    try:
        return OrgKind(value)
    except ValueError:
        raise Invalid(
            "机构类型必须是 enterprise、intermediary、department、operator 或 regulator 之一",
            field="kind",
        ) from None


def normalise_uscc(value: str) -> str:
    """Validate a 统一社会信用代码 (GB 32100 check digit) and return its compact form."""
    try:
        return str(stdnum_uscc.validate(value))
    except ValidationError:
        raise Invalid(
            "统一社会信用代码无效：应为 18 位，且校验码符合 GB 32100-2015",
            field="uscc",
            code="invalid_uscc",
        ) from None


def check_username(value: str) -> str:
    if not _USERNAME.match(value):
        raise Invalid("用户名须为 3–64 位字母、数字或 _ . @ -", field="username")
    return value


def check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位", field="password", code="weak_password")
    return value


def check_name(value: str) -> str:
    """Printable text only. Markup characters are allowed (pages escape them); control and
    invisible direction characters are refused, since they make a name display as another."""
    name = value.strip()
    if not 2 <= len(name) <= 200:
        raise Invalid("机构名称须为 2–200 个字符", field="name")
    if _INVISIBLE.search(name):
        raise Invalid(
            "机构名称不能包含控制字符或不可见字符", field="name", code="name_control_characters"
        )
    return name


def login_wait(
    failures: int, *, seconds_since_last: float, free: int, base: float, cap: float
) -> float:
    """Seconds a (user name, address) pair still waits before its next attempt: nothing for the
    first ``free`` failures, then ``base``, 2×``base``, 4×``base`` … (at most ``cap``) counted
    from its last failure. Never a lock-out: once the delay has passed one attempt is heard."""
    if failures < free:
        return 0.0
    delay = min(cap, base * 2.0 ** min(failures - free, 60))
    return max(0.0, delay - seconds_since_last)


def address_wait(failures: int, *, oldest_age: float, limit: int, window: float) -> float:
    """Seconds an address that failed ``limit`` times in the window (any user names) waits: until
    its oldest failure leaves the window."""
    if failures < limit:
        return 0.0
    return max(1.0, window - oldest_age)
