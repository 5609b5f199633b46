from __future__ import annotations

import pytest

from kernel.errors import Invalid
from surveys.rules.convention import (
    DEFAULT_CONVENTION,
    LayerConvention,
    convention_from_json,
    convention_to_json,
)


def test_defaults_are_the_pinned_layers() -> None:
    assert DEFAULT_CONVENTION.site_boundary == "用地红线"
    assert DEFAULT_CONVENTION.buildings == "建筑轮廓"
    assert DEFAULT_CONVENTION.green == "绿地"
    assert DEFAULT_CONVENTION.control_lines == ("道路红线", "绿线", "蓝线", "高压走廊")


def test_partial_json_keeps_other_defaults_and_round_trips() -> None:
    conv = convention_from_json('{"controlLines": ["道路红线"], "green": "GREEN"}')
    assert conv == LayerConvention(control_lines=("道路红线",), green="GREEN")
    assert convention_from_json(convention_to_json(conv)) == conv


@pytest.mark.parametrize("raw", ['{"unknown": 1}', '{"green": 3}', "not json"])
def test_bad_json_is_invalid_with_field(raw: str) -> None:
    with pytest.raises(Invalid) as info:
        convention_from_json(raw)
    assert info.value.field == "convention"
