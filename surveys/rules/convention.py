"""The layer convention a survey DXF follows (which layer holds what).

A city may name its layers differently; the convention is data with defaults, parsed from JSON
(camelCase keys, e.g. ``{"siteBoundary": "SITE", "controlLines": ["ROAD"]}``); the file is read
by ``services.policy_files.load_convention``.
"""

from __future__ import annotations

import msgspec

from kernel.errors import Invalid


class LayerConvention(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """Layer names and the storeys-text pattern; defaults are the pinned convention of issue 5."""

    site_boundary: str = "用地红线"
    """One closed polyline: the site boundary (红线)."""
    buildings: str = "建筑轮廓"
    """Closed polylines, one per building outline."""
    green: str = "绿地"
    """Closed polylines: green areas."""
    control_lines: tuple[str, ...] = ("道路红线", "绿线", "蓝线", "高压走廊")
    """Layers whose lines buildings must keep a setback from."""
    storeys_pattern: str = r"(?<!地下)(?<![-\d])([0-9]+|[一二两三四五六七八九十]+)\s*层"
    """Regex whose first group is the above-ground storey count of a text inside a building."""
    storeys_text_layers: tuple[str, ...] = ()
    """Layers searched for storeys texts; empty means every layer."""


DEFAULT_CONVENTION = LayerConvention()


def convention_from_json(data: bytes | str) -> LayerConvention:
    """Parse a convention; unknown keys and wrong types are refused with a Chinese reason."""
    try:
        return msgspec.json.decode(data, type=LayerConvention)
    except msgspec.ValidationError as exc:
        raise Invalid(f"图层约定文件不符合要求：{exc}", field="convention") from exc
    except msgspec.DecodeError as exc:
        raise Invalid(f"图层约定文件不是有效的 JSON：{exc}", field="convention") from exc


def convention_to_json(convention: LayerConvention) -> bytes:
    return msgspec.json.encode(convention)
