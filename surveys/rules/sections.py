"""The result package split into sections, each with a canonical hash.

A department's confirmed check stays valid across a resubmission only while every section it reads
keeps its hash (scenario 20). Hashes are over a canonical JSON form, so re-entering the same figures
in another notation (``2.50`` vs ``2.5``, units listed in another order, the boundary drawn from
another start vertex) does not reopen a check.
"""

from __future__ import annotations

import enum
import hashlib
import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from kernel.errors import Invalid
from surveys.formats.indicators import Indicators

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


class Section(enum.StrEnum):
    PLANNING = "planning"
    LAND = "land"
    PROPERTY = "property"
    CIVIL_AIR_DEFENCE = "civil_air_defence"
    QC = "qc"
    DOCUMENTS = "documents"


class UnitArea(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """One registrable unit (户) of the property survey."""

    unit: str
    building: str
    floor_area: Decimal
    inner_area: Decimal | None = None
    shared_area: Decimal | None = None
    use: str = ""


class DeclaredIndicators(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """Figures the surveyor declares in the report (areas m², ratios as fractions, lengths m)."""

    site_area: Decimal | None = None
    gross_floor_area: Decimal | None = None
    above_ground_floor_area: Decimal | None = None
    below_ground_floor_area: Decimal | None = None
    far_floor_area: Decimal | None = None
    far: Decimal | None = None
    coverage: Decimal | None = None
    green_area: Decimal | None = None
    green_ratio: Decimal | None = None
    height: Decimal | None = None
    storeys: int | None = None
    setbacks: dict[str, Decimal] = msgspec.field(default_factory=dict)
    parking: int | None = None
    civil_air_defence_area: Decimal | None = None
    units: tuple[UnitArea, ...] = ()


class QcReport(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """成果质检报告 (两级检查、一级验收) and the registered surveyor who signs the result."""

    inspector: str
    passed: bool
    summary: str
    surveyor_name: str
    surveyor_certificate_no: str


def require_signed_qc(qc: QcReport) -> None:
    """A package is submitted only with a passed QC report, signed by a registered surveyor."""
    if not qc.passed:
        raise Invalid("成果质检未通过，不能提交", field="qc.passed")
    if not qc.surveyor_name.strip() or not qc.surveyor_certificate_no.strip():
        raise Invalid("成果须由注册测绘师签署（姓名和注册号）", field="qc.surveyorName")
    if not qc.inspector.strip():
        raise Invalid("请填写质检单位", field="qc.inspector")


class PackageContent(msgspec.Struct, frozen=True, rename="camel"):
    """Everything in one result-package version that checks may read."""

    declared: DeclaredIndicators
    computed: Indicators | None
    site_boundary: tuple[tuple[float, float], ...] | None
    qc: QcReport
    dxf_sha256: str
    report_sha256: str


# ---- canonical form -------------------------------------------------------------------------

_ENCODER = msgspec.json.Encoder(order="sorted", decimal_format="number")


def _canonical(value: Any) -> Any:
    if isinstance(value, float | int) and not isinstance(value, bool):
        value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, Decimal):  # fixed-point text: 8000.00 → 8000, never 8E+3
        return Decimal(format(value.normalize(), "f")) if value else Decimal(0)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, dict):
        return {str(_canonical(k)): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    return _canonical(msgspec.to_builtins(value, builtin_types=(Decimal,)))


def canonical_json(value: Any) -> bytes:
    """Sorted keys, normalised numbers (``2.50`` → ``2.5``), NFC strings, no whitespace."""
    return _ENCODER.encode(_canonical(value))


def section_hash(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def normalise_ring(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """A closed ring without its repeated end point, counter-clockwise, from its lowest vertex."""
    ring = list(points)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring = ring[:-1]
    if not ring:
        return ring
    doubled_area = sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )
    if doubled_area < 0:
        ring.reverse()
    start = ring.index(min(ring))
    return ring[start:] + ring[:start]


# ---- sections -------------------------------------------------------------------------------


def _computed_summary(computed: Indicators | None) -> dict[str, Any] | None:
    if computed is None:
        return None
    data: dict[str, Any] = msgspec.to_builtins(computed)
    data.pop("problems", None)  # wording of problems is not a measured fact
    return data


def split_sections(content: PackageContent) -> dict[Section, Any]:
    """The package as named sections; what each contains decides which checks it can reopen."""
    d = content.declared
    return {
        Section.PLANNING: {
            "siteArea": d.site_area,
            "grossFloorArea": d.gross_floor_area,
            "aboveGroundFloorArea": d.above_ground_floor_area,
            "belowGroundFloorArea": d.below_ground_floor_area,
            "farFloorArea": d.far_floor_area,
            "far": d.far,
            "coverage": d.coverage,
            "greenArea": d.green_area,
            "greenRatio": d.green_ratio,
            "height": d.height,
            "storeys": d.storeys,
            "setbacks": d.setbacks,
            "parking": d.parking,
            "computed": _computed_summary(content.computed),
        },
        Section.LAND: {
            "siteArea": d.site_area,
            "computedSiteArea": content.computed.site_area if content.computed else None,
            "boundary": normalise_ring(content.site_boundary) if content.site_boundary else None,
        },
        Section.PROPERTY: {
            "grossFloorArea": d.gross_floor_area,
            "aboveGroundFloorArea": d.above_ground_floor_area,
            "belowGroundFloorArea": d.below_ground_floor_area,
            "units": sorted(d.units, key=lambda u: (u.building, u.unit)),
        },
        Section.CIVIL_AIR_DEFENCE: {"civilAirDefenceArea": d.civil_air_defence_area},
        Section.QC: content.qc,
        Section.DOCUMENTS: {"dxf": content.dxf_sha256, "report": content.report_sha256},
    }


def section_hashes(content: PackageContent) -> dict[str, str]:
    return {str(name): section_hash(value) for name, value in split_sections(content).items()}


def changed_sections(old_hashes: Mapping[str, str], new_hashes: Mapping[str, str]) -> set[str]:
    names = set(old_hashes) | set(new_hashes)
    return {name for name in names if old_hashes.get(name) != new_hashes.get(name)}


def check_still_valid(
    old_hashes: Mapping[str, str], new_hashes: Mapping[str, str], sections_read: Iterable[str]
) -> bool:
    """A check confirmed on ``old_hashes`` still holds on ``new_hashes`` only if every section it
    reads is present in both and unchanged."""
    for name in sections_read:
        old, new = old_hashes.get(name), new_hashes.get(name)
        if old is None or new is None or old != new:
            return False
    return True
