"""A benchmark-only standard: national/quality-2017 with only its resource-area rules.

R1-R7 (per school stage), R_school (6 of 7, the rest at least 85 %) and R1_cv-R7_cv (per-stage
weighted CVs): exactly the rules benchmarks/floor.py writes by hand, so engine and floor can be
timed like for like. The file is cut from the national standard at run time (same parameters,
fields, derived values, stage weights and rounding; only the rules after R7_cv are left out), so
it cannot drift from it. Not a real standard: it is written to a temporary folder, never to
standards/.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "standards" / "national" / "quality-2017.yaml"
RULE_IDS = [f"R{i}" for i in range(1, 8)] + ["R_school"] + [f"R{i}_cv" for i in range(1, 8)]


def resource_standard_text() -> str:
    text = SOURCE.read_text(encoding="utf-8")
    head, rules = text.split("\nrules:\n", 1)
    cut = rules.index("  # ---------------------------------------------------------------- 政府保障程度")
    head = head.replace("id: national/quality-2017", "id: bench/resource-2017", 1)
    return head + "\nrules:\n" + rules[:cut]


def write_resource_standard(folder) -> Path:
    path = Path(folder) / "resource-2017.yaml"
    path.write_text(resource_standard_text(), encoding="utf-8")
    return path
