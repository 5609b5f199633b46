"""A city's survey rule files, chosen by settings, replace the code defaults."""

from __future__ import annotations

from pathlib import Path

import msgspec

from kernel.platform import build_platform, set_current
from kernel.settings import load_settings
from surveys.rules.checks import DEFAULT_RULE_SETS
from surveys.rules.convention import DEFAULT_CONVENTION
from surveys.services import policy_files as policy


def _use(tmp_path: Path, **env: str) -> None:
    settings = load_settings({"ONESET_DATA_DIR": str(tmp_path / "var"), **env})
    set_current(build_platform(settings))


def test_defaults_without_files(tmp_path: Path) -> None:
    _use(tmp_path)
    assert policy.rule_sets() is DEFAULT_RULE_SETS
    assert policy.convention() == DEFAULT_CONVENTION


def test_files_override_defaults(tmp_path: Path) -> None:
    planning = next(iter(DEFAULT_RULE_SETS.values()))
    changed = msgspec.structs.replace(planning, version=planning.version + "-city")
    rules_file = tmp_path / "rules.json"
    rules_file.write_bytes(msgspec.json.encode([changed]))
    convention_file = tmp_path / "convention.json"
    convention_file.write_text('{"siteBoundary": "红线"}', encoding="utf-8")
    _use(
        tmp_path,
        ONESET_SURVEY_RULES_FILE=str(rules_file),
        ONESET_SURVEY_CONVENTION_FILE=str(convention_file),
    )
    assert policy.rule_sets()[changed.department].version == planning.version + "-city"
    assert set(policy.rule_sets()) == set(DEFAULT_RULE_SETS)
    assert policy.convention().site_boundary == "红线"
    assert policy.convention().buildings == DEFAULT_CONVENTION.buildings
