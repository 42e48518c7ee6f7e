"""The 2017 resource-area rules of one school stage as a zen-engine decision graph (GoRules JDM).

zen-engine evaluates one record at a time, as its users do: each stage unit is a JSON-like dict
(its stage, school type, the stage's teacher counts and enrolments, the school's whole stocks).
The graph: input -> expression node (the weighted split share and R1-R7 with their thresholds and
tolerant pass flags) -> expression node (the 6-of-7 rule with the 85 % floor) -> output.

The per-stage CVs (R1_cv ... R7_cv) are county aggregates over many records; zen's per-record
model cannot express them, so for zen they are computed in Python (numpy, as in floor.py).
Missing inputs (null) are not handled: the benchmark data have none for the fields used here.
Optional benchmark dependency: ``pip install zen-engine``.
"""
from __future__ import annotations

import json

import numpy as np

GE = "({a} >= {b} or abs({a} - {b}) <= 0.000000001 * max([abs({a}), abs({b})]))"
SHARE = ("type == '九年一贯制' ? (stage == 'primary' ? sp / (1.1 * sj + sp) : 1.1 * sj / (1.1 * sj + sp)) : "
         "type == '十二年一贯制' ? (stage == 'primary' ? sp / (1.1 * sj + sp + 1.32 * ss) "
         ": 1.1 * sj / (1.1 * sj + sp + 1.32 * ss)) : type == '完全中学' ? sj / (sj + 1.2 * ss) : 1")
MIN = {"R1": (4.2, 5.3), "R2": (1, 1), "R3": (0.9, 0.9), "R4": (4.5, 5.8), "R5": (7.5, 10.2), "R6": (2000, 2500),
       "R7": (2.3, 2.4)}


def graph() -> dict:
    prim = "stage == 'primary'"
    ind = [("share", SHARE),
           ("R1", f"({prim} ? tc + tb + tm + td : tb + tm + td) / students * 100"),
           ("R2", "backbone / students * 100"),
           ("R3", "(pe + music + fine_art + art) / students * 100"),
           ("R4", "(aux_area * $.share - indoor_area * $.share) / students"),
           ("R5", "(gym_area * $.share + ground_area * $.share) / students"),
           ("R6", "equipment * $.share / students"),
           ("R7", "rooms * $.share / students * 100")]
    for k, (a, b) in MIN.items():
        ind.append((f"{k}_min", f"{prim} ? {a} : {b}"))
        ind.append((f"{k}_ok", GE.format(a=f"$.{k}", b=f"$.{k}_min")))
    passes = " + ".join(f"({k}_ok ? 1 : 0)" for k in MIN)
    below = " or ".join(f"(not {k}_ok and not {GE.format(a=k, b=f'0.85 * {k}_min')})" for k in MIN)
    school = [("passes", passes), ("below_floor", below),
              ("R_school", "$.below_floor or $.passes < 6 ? 'fail' : 'pass'")]

    def node(nid, x, exprs):
        return {"id": nid, "type": "expressionNode", "name": nid, "position": {"x": x, "y": 0},
                "content": {"passThrough": True, "inputField": None, "outputPath": None, "executionMode": "single",
                            "expressions": [{"id": f"{nid}{i}", "key": k, "value": v}
                                            for i, (k, v) in enumerate(exprs)]}}

    return {"nodes": [{"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
                      node("indicators", 1, ind), node("school", 2, school),
                      {"id": "out", "type": "outputNode", "name": "out", "position": {"x": 3, "y": 0}}],
            "edges": [{"id": "e1", "sourceId": "in", "targetId": "indicators", "type": "edge"},
                      {"id": "e2", "sourceId": "indicators", "targetId": "school", "type": "edge"},
                      {"id": "e3", "sourceId": "school", "targetId": "out", "type": "edge"}]}


def unit_records(schools, u_school, u_stage) -> list:
    """One plain dict per stage unit (what a zen user sends per evaluation)."""
    def col(c):
        return schools[c].to_numpy(dtype="float64", na_value=np.nan) if c in schools else np.full(len(schools), np.nan)

    types = schools["school_type"].to_numpy(dtype=object)
    stud = {s: col(f"students_{s}") for s in ("primary", "junior", "senior")}
    per = {k: {s: col(f"{f}_{s}") for s in ("primary", "junior")}
           for k, f in [("tc", "teachers_college"), ("tb", "teachers_bachelor"), ("tm", "teachers_master"),
                        ("td", "teachers_doctor"), ("backbone", "backbone_teachers"), ("pe", "pe_teachers"),
                        ("music", "music_teachers"), ("fine_art", "fine_art_teachers"), ("art", "art_teachers"),
                        ("students", "students")]}
    whole = {k: col(f) for k, f in [("aux_area", "teaching_aux_area"), ("indoor_area", "indoor_sports_area"),
                                    ("gym_area", "gym_area"), ("ground_area", "sports_ground_area"),
                                    ("equipment", "equipment_value"), ("rooms", "multimedia_rooms")]}

    def v(x):
        return None if x != x else float(x)

    out = []
    for i, st in zip(u_school.tolist(), u_stage.tolist()):
        s = "primary" if st == 0 else "junior"
        r = {"stage": s, "type": types[i], "sp": v(stud["primary"][i]), "sj": v(stud["junior"][i]),
             "ss": v(stud["senior"][i])}
        for k, d in per.items():
            r[k] = v(d[s][i]) if k != "tc" or s == "primary" else 0.0
        for k, d in whole.items():
            r[k] = v(d[i])
        out.append(r)
    return out


def evaluate(records) -> list:
    import zen

    engine = zen.ZenEngine()
    decision = engine.create_decision(json.dumps(graph(), ensure_ascii=False))
    return [decision.evaluate(r)["result"] for r in records]
