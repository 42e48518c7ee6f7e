"""A parameter with no version in force on the evaluation date: the reason names it (issue 21), instead of
'计算结果无效（如除数为零）'."""
from pathlib import Path

import yaml

from junheng.tools.stdtest import run_file

ROOT = Path(__file__).resolve().parents[2]
NAT_TESTS = ROOT / "standards" / "national" / "tests" / "quality-2017.yaml"

CHILD = """\
id: prov/dated
title: 只有带期限取值的参数
jurisdiction: {name: 测试}
version: "1"
extends: national/quality-2017
documents:
  d1: {number: 测试〔2024〕1号, source_status: secondary}
parameters:
  X_min:
    name: 只在 2019—2020 年有取值的下限
    versions:
      - values: {primary: 1, junior: 1}
        effective: {from: "2019", to: "2020"}
    citation: {document: d1, article: 第1条}
    source_status: secondary
rules:
  - id: R2
    override: true
    threshold: X_min
    citation: {document: d1, article: 第2条, source_status: secondary}
"""


def test_parameter_without_value_on_the_date_is_named(tmp_path):
    std_dir = tmp_path / "std"
    (std_dir / "prov" / "tests").mkdir(parents=True)
    (std_dir / "prov" / "dated.yaml").write_text(CHILD, encoding="utf-8")
    data = yaml.safe_load(NAT_TESTS.read_text(encoding="utf-8"))
    data["standard"] = "prov/dated"
    data["cases"] = [
        {"name": "2025: R2_min has no version", "as_of": "2025-09-01",
         "expect": [{"rule": "R2", "school": "S1", "outcome": "not_evaluable",
                     "reason_contains": "参数 X_min 在评估日期（2025-09-01）没有生效的取值"},
                    {"rule": "R1", "school": "S1", "outcome": "pass"}]},
        {"name": "2020: in force", "as_of": "2020-06-01",
         "expect": [{"rule": "R2", "school": "S1", "outcome": "pass", "value": 1.2, "threshold": 1}]},
    ]
    p = std_dir / "prov" / "tests" / "dated.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    res = run_file(p, [str(std_dir)])
    assert not res.error, res.error
    bad = [c.message for c in res.checks if not c.ok]
    assert not bad, bad
    assert len(res.checks) == 3
