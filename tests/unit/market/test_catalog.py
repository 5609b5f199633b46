from __future__ import annotations

import pytest

from kernel.errors import Invalid
from market.rules.catalog import STAGES, parse_catalog
from market.services.catalogue import seed_catalog


def test_seed_has_at_least_30_items_in_every_stage() -> None:
    items = seed_catalog()
    assert len(items) >= 30
    for stage in STAGES:
        assert sum(1 for i in items if i.stage == stage) >= 5, stage
    by_code = {i.code: i for i in items}
    assert by_code["54C"].name.startswith("联合测绘")
    assert set(by_code["54C"].qualification_types) == {"测绘资质·工程测量", "测绘资质·不动产测绘"}
    names = " ".join(i.name for i in items)
    for needed in (
        "施工图设计文件审查",
        "环境影响",
        "水土保持方案编制",
        "地质灾害危险性评估",
        "规划条件核实测量",
        "房产测绘",
        "节能",
        "安全预评价",
    ):
        assert needed in names, needed
    for item in items:
        assert item.legal_basis.startswith("《"), item.code
        assert item.approving_department
        assert item.fee_standard
        assert item.fee_basis
        assert item.supervising_department
        assert item.complaint_phone
        assert 1 <= item.time_limit_working_days <= 60


def test_bad_catalog_is_refused() -> None:
    with pytest.raises(Invalid):
        parse_catalog(b'{"version": 1, "source": "x", "items": [{"code": "A"}]}')
    item = (
        b'{"code":"A","name":"n","stage":"\xe6\x96\xbd\xe5\xb7\xa5\xe8\xae\xb8\xe5\x8f\xaf",'
        b'"legal_basis":"b","approving_department":"d","required_qualification":"q",'
        b'"qualification_types":[],"fee_standard":"f","fee_basis":"fb",'
        b'"time_limit_working_days":5,"supervising_department":"s","complaint_phone":"12345"}'
    )
    assert len(parse_catalog(b'{"version":1,"source":"x","items":[' + item + b"]}")) == 1
    with pytest.raises(Invalid, match="重复"):
        parse_catalog(b'{"version":1,"source":"x","items":[' + item + b"," + item + b"]}")
