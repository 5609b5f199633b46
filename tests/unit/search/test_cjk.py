from __future__ import annotations

from search.cjk import index_terms, match_expression


def test_cjk_runs_become_bigrams() -> None:
    assert index_terms("联合测绘") == "联合 合测 测绘 绘"
    assert index_terms("DXF图纸 v2") == "dxf 图纸 纸 v2"


def test_query_run_is_a_phrase_of_bigrams() -> None:
    assert match_expression("测绘") == '"测绘"'
    assert match_expression("联合测绘") == '"联合 合测 测绘"'
    assert match_expression("CAD 图纸") == '"cad"* AND "图纸"'
    assert match_expression("测") == '"测"*'
    assert match_expression("  ") is None
