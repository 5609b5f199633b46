"""The city's survey rules in force: department rule sets and the DXF layer convention.

Defaults are in code (``rules.checks.DEFAULT_RULE_SETS``, ``rules.convention.DEFAULT_CONVENTION``);
a city overrides them with ``ONESET_SURVEY_RULES_FILE`` / ``ONESET_SURVEY_CONVENTION_FILE`` (JSON,
the formats of ``rules.checks.rule_sets_from_json`` and ``rules.convention.convention_from_json``).
Files are read once per process and path.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from kernel.errors import Invalid
from kernel.platform import current
from surveys.rules.checks import DEFAULT_RULE_SETS, RuleSet, rule_sets_from_json
from surveys.rules.convention import DEFAULT_CONVENTION, LayerConvention, convention_from_json


def load_convention(path: str | Path) -> LayerConvention:
    """Read a layer convention JSON file."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise Invalid(f"无法读取图层约定文件 {path}：{exc.strerror}", field="convention") from exc
    return convention_from_json(raw)


@lru_cache(maxsize=4)
def _rule_sets(path: Path | None) -> dict[str, RuleSet]:
    if path is None:
        return DEFAULT_RULE_SETS
    try:
        return {**DEFAULT_RULE_SETS, **rule_sets_from_json(path.read_bytes())}
    except OSError as exc:
        raise Invalid(f"无法读取核验规则文件 {path}：{exc.strerror}", field="rules") from exc


@lru_cache(maxsize=4)
def _convention(path: Path | None) -> LayerConvention:
    return DEFAULT_CONVENTION if path is None else load_convention(path)


def rule_sets() -> dict[str, RuleSet]:
    return _rule_sets(current().settings.survey_rules_file)


def convention() -> LayerConvention:
    return _convention(current().settings.survey_convention_file)


def rule_set(department: str) -> RuleSet:
    """The rule set of a known department (check ``department`` first)."""
    return rule_sets()[department]
