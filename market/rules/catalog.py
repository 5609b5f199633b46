"""The service item catalog (中介服务事项清单): its schema and the check of a catalogue file."""

from __future__ import annotations

from typing import Literal

import msgspec

from kernel.errors import Invalid

Stage = Literal["立项用地规划许可", "工程建设许可", "施工许可", "竣工验收"]
STAGES: tuple[Stage, ...] = ("立项用地规划许可", "工程建设许可", "施工许可", "竣工验收")


class CatalogItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    name: str
    stage: Stage
    legal_basis: str
    approving_department: str
    required_qualification: str
    qualification_types: tuple[str, ...]
    fee_standard: str
    fee_basis: str
    time_limit_working_days: int
    supervising_department: str
    complaint_phone: str


class CatalogFile(msgspec.Struct, frozen=True):
    version: int
    source: str
    items: tuple[CatalogItem, ...]


def parse_catalog(data: bytes) -> tuple[CatalogItem, ...]:
    try:
        doc = msgspec.json.decode(data, type=CatalogFile)
    except msgspec.ValidationError as exc:
        raise Invalid(f"服务事项清单格式有误：{exc}", field="catalog") from exc
    codes = [i.code for i in doc.items]
    if len(codes) != len(set(codes)):
        raise Invalid("服务事项编码重复", field="catalog")
    if any(i.time_limit_working_days < 1 for i in doc.items):
        raise Invalid("服务时限至少为 1 个工作日", field="catalog")
    return doc.items
