from __future__ import annotations

from decimal import Decimal

import msgspec

from surveys.formats.indicators import measure_dxf
from surveys.formats.sample import sample_dxf
from surveys.rules.checks import DEFAULT_RULE_SETS
from surveys.rules.sections import (
    DeclaredIndicators,
    PackageContent,
    QcReport,
    Section,
    UnitArea,
    canonical_json,
    changed_sections,
    check_still_valid,
    normalise_ring,
    section_hash,
    section_hashes,
)

MEASURED = measure_dxf(sample_dxf())
DECLARED = DeclaredIndicators(
    site_area=Decimal("8000.00"),
    gross_floor_area=Decimal(20240),
    far=Decimal("2.53"),
    green_ratio=Decimal("0.31"),
    setbacks={"道路红线": Decimal("7.95")},
    units=(
        UnitArea(unit="101", building="A", floor_area=Decimal("98.50")),
        UnitArea(unit="102", building="A", floor_area=Decimal("101.20")),
    ),
)
QC = QcReport(
    inspector="省测绘产品质量监督检验站",
    passed=True,
    summary="两级检查一级验收合格",
    surveyor_name="王测",
    surveyor_certificate_no="ZCCH-2026-0001",
)


def content(**changes: object) -> PackageContent:
    base = PackageContent(
        declared=DECLARED,
        computed=MEASURED.indicators,
        site_boundary=MEASURED.site_boundary,
        qc=QC,
        dxf_sha256="a" * 64,
        report_sha256="b" * 64,
    )
    return msgspec.structs.replace(base, **changes)


def read_by(department: str) -> tuple[str, ...]:
    return DEFAULT_RULE_SETS[department].sections_read


def test_canonical_form_ignores_notation() -> None:
    assert canonical_json({"a": Decimal("2.50"), "b": 1.0}) == canonical_json(
        {"b": 1, "a": Decimal("2.5")}
    )
    assert section_hash({"x": Decimal("8000.00")}) == section_hash({"x": 8000})
    assert section_hash({"x": Decimal("8000.01")}) != section_hash({"x": 8000})


def test_every_section_is_hashed() -> None:
    hashes = section_hashes(content())
    assert set(hashes) == {s.value for s in Section}
    assert all(len(h) == 64 for h in hashes.values())
    assert section_hashes(content()) == hashes  # deterministic


def test_scenario_20_planning_fix_keeps_land_and_property_valid() -> None:
    old = section_hashes(content())
    fixed = msgspec.structs.replace(DECLARED, far=Decimal("2.50"), parking=120)
    new = section_hashes(content(declared=fixed, report_sha256="c" * 64))
    assert changed_sections(old, new) == {"planning", "documents"}
    assert not check_still_valid(old, new, read_by("planning"))
    assert check_still_valid(old, new, read_by("land"))
    assert check_still_valid(old, new, read_by("property"))


def test_scenario_20_changed_unit_area_reopens_property_only() -> None:
    old = section_hashes(content())
    units = (DECLARED.units[0], msgspec.structs.replace(DECLARED.units[1], floor_area=Decimal(99)))
    new = section_hashes(content(declared=msgspec.structs.replace(DECLARED, units=units)))
    assert changed_sections(old, new) == {"property"}
    assert not check_still_valid(old, new, read_by("property"))
    assert check_still_valid(old, new, read_by("planning"))
    assert check_still_valid(old, new, read_by("land"))


def test_units_listed_in_another_order_change_nothing() -> None:
    old = section_hashes(content())
    swapped = msgspec.structs.replace(DECLARED, units=tuple(reversed(DECLARED.units)))
    assert section_hashes(content(declared=swapped)) == old


def test_boundary_redrawn_from_another_vertex_keeps_land_valid() -> None:
    assert MEASURED.site_boundary is not None
    ring = list(MEASURED.site_boundary[:-1])
    redrawn = tuple(reversed(ring[2:] + ring[:2]))
    old = section_hashes(content())
    new = section_hashes(content(site_boundary=redrawn))
    assert check_still_valid(old, new, read_by("land"))
    moved = tuple((x + 0.5, y) for x, y in ring)
    assert not check_still_valid(old, section_hashes(content(site_boundary=moved)), ["land"])


def test_missing_section_is_never_valid() -> None:
    old = section_hashes(content())
    new = {k: v for k, v in old.items() if k != "land"}
    assert not check_still_valid(old, new, ["land"])
    assert check_still_valid(old, new, [])


def test_normalise_ring() -> None:
    cw = [(0.0, 10.0), (10.0, 10.0), (10.0, 0.0), (0.0, 0.0), (0.0, 10.0)]
    assert normalise_ring(cw) == [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
