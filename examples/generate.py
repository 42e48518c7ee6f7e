#!/usr/bin/env python3
"""Synthetic data generator for the 县域义务教育均衡发展 rules engine.

ALL DATA WRITTEN BY THIS SCRIPT ARE SYNTHETIC (合成数据). No school, county, province, person
or figure in its output is real; names are made up from syllable lists and every county id
starts with ``SYN`` (or ``DEMO`` for the bundled example). Do not cite the output as statistics.
本脚本生成的全部数据均为合成数据，学校、区县、省份名称及各项数值均为虚构，不代表任何真实单位。

What it produces
  schools.csv   one row per school, header = canonical field ids of standards/fields.yaml
                (per-stage fields as <id>_primary / <id>_junior / <id>_senior). A stage a school
                does not have is left EMPTY, never 0; so are fields that do not apply
                (leased/other sports area: dense central-city schools only; visiting PE/art
                teachers: rural small schools of 50-99 pupils only; retention inputs: junior).
  counties.csv  one row per county: every county field of fields.yaml, plus yes/no facts
                (layout_ok ... homework_ok) and veto_* columns (是 = the veto condition occurred).

Resources are drawn AROUND the 2017 high-quality-balance thresholds (教督〔2017〕6号, R1-R7) so
that some school stages fail: each school's ratio = threshold x a lognormal factor (mean about
1.15-1.2, sd about 0.2, with county and school effects), then counts are derived and rounded.
Whole-school stocks (areas, equipment, rooms, computers, books) are one figure per school;
combined schools are sized on weighted enrolment primary + 1.1 x junior (+ 1.32 x senior), and
完全中学 on junior + 1.2 x senior, the split weights of the standard.

Deterministic: the same arguments and seed give byte-identical files. Pure numpy + pandas,
vectorised (200 000 schools in a few seconds).

Usage
  python examples/generate.py --scale county|province|nation --seed 1 --out DIR
  python examples/generate.py --counties 100 --schools-per-county 70 --seed 7 --out DIR
  python examples/generate.py --counties 2900 --schools 200000 --seed 7 --out DIR --mistakes 0.02
  python examples/generate.py --demo [--out examples/demo-county]   # the bundled example

  from examples.generate import generate, demo_county
  schools, counties = generate(3, 40, seed=1, mistakes=0.05)
  schools.attrs["mistakes"]   # list of the injected mistakes: row, school_id, kind, column
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------- constants

STAGES = ("primary", "junior")
SCHOOL_TYPES = ["小学", "初中", "九年一贯制", "十二年一贯制", "完全中学", "教学点"]
TYPE_MIX = [0.55, 0.25, 0.12, 0.03, 0.02, 0.03]
# which enrolment stages each type has
HAS = {
    "primary": {"小学", "九年一贯制", "十二年一贯制", "教学点"},
    "junior": {"初中", "九年一贯制", "十二年一贯制", "完全中学"},
    "senior": {"十二年一贯制", "完全中学"},
}
# split weights (standards-reference section 5); 完全中学 is junior 1 : senior 1.2
WEIGHTS = {
    "九年一贯制": {"primary": 1.0, "junior": 1.1, "senior": 0.0},
    "十二年一贯制": {"primary": 1.0, "junior": 1.1, "senior": 1.32},
    "完全中学": {"primary": 0.0, "junior": 1.0, "senior": 1.2},
}
# 2017 thresholds (R1..R7), per stage
THRESHOLDS = {
    "R1": {"primary": 4.2, "junior": 5.3},     # above-degree teachers per 100 students
    "R2": {"primary": 1.0, "junior": 1.0},     # backbone teachers per 100
    "R3": {"primary": 0.9, "junior": 0.9},     # PE + music + fine art + art teachers per 100
    "R4": {"primary": 4.5, "junior": 5.8},     # (teaching_aux - indoor sports) m2 / student
    "R5": {"primary": 7.5, "junior": 10.2},    # (gym + sports ground) m2 / student
    "R6": {"primary": 2000, "junior": 2500},   # equipment yuan / student
    "R7": {"primary": 2.3, "junior": 2.4},     # multimedia rooms per 100 students
}
CLASS_LIMIT = {"primary": 45, "junior": 50}

SCALES = {
    "county": {"counties": 1, "schools_per_county": 30, "schools": None},
    "province": {"counties": 100, "schools_per_county": None, "schools": 7000},
    "nation": {"counties": 2900, "schools_per_county": None, "schools": 200000},
}

# Default distribution parameters. log(factor) = log(mean) - var/2 + county + school + noise.
DEFAULT_PARAMS = {
    "factor_mean": 1.2,       # mean of the resource factor (ratio / threshold)
    "county_sd": 0.06,        # county effect on log factor
    "school_sd": 0.08,        # school effect shared by all indicators of a school
    "noise_sd": 0.15,         # indicator-specific noise
    "indicator_sd": {},       # e.g. {"R2": 0.45}: replaces noise_sd for that indicator
    "indicator_mean": {},     # e.g. {"R2": 1.6}: replaces factor_mean for that indicator
    "small_bonus": 1.45,      # stages under 100 students are staffed more generously (R1-R3)
}

SCHOOL_COLUMNS = [
    "school_id", "school_name", "county_id", "school_type", "urban_rural", "ownership", "boarding",
    "built_year", "dense_central_city", "rural_small_50_99", "rural_small_under30",
    "students_primary", "students_junior", "students_senior", "migrant_students",
    "in_zone_students_primary", "in_zone_students_junior",
    "classes_primary", "classes_junior", "max_class_size_primary", "max_class_size_junior",
    "classes_over_limit_primary", "classes_over_limit_junior",
    "teachers_primary", "teachers_junior", "teachers_college_primary",
    "teachers_bachelor_primary", "teachers_bachelor_junior",
    "teachers_master_primary", "teachers_master_junior",
    "teachers_doctor_primary", "teachers_doctor_junior",
    "teachers_senior_title_primary", "teachers_senior_title_junior",
    "backbone_teachers_primary", "backbone_teachers_junior",
    "pe_teachers_primary", "pe_teachers_junior", "music_teachers_primary", "music_teachers_junior",
    "fine_art_teachers_primary", "fine_art_teachers_junior", "art_teachers_primary", "art_teachers_junior",
    "visiting_pe_art_teachers_primary", "visiting_pe_art_teachers_junior",
    "certified_teachers", "trained_360h_teachers",
    "teaching_aux_area", "indoor_sports_area", "gym_area", "sports_ground_area",
    "leased_sports_area", "other_sports_area", "equipment_value", "multimedia_rooms", "computers", "books",
    "music_rooms_96", "music_rooms_73", "music_rooms_61", "art_rooms_90", "art_rooms_67", "art_rooms_61",
    "public_funds_budget", "training_funds_budget",
    "graduates", "grade7_enrolment", "transfers_in", "transfers_out", "deaths",
]
FACT_COLUMNS = ["layout_ok", "standards_unified", "staffing_allocated", "left_behind_care",
                "charter_and_digital", "ict_use_ok", "moral_education_ok", "curriculum_ok", "homework_ok"]
VETO_COLUMNS = ["veto_exam_admission", "veto_school_choice", "veto_key_schools", "veto_unfilled_posts",
                "veto_safety_incident", "veto_falsified_data"]
COUNTY_COLUMNS = [
    "county_id", "county_name", "province", "year", "funding_baseline_primary", "funding_baseline_junior",
    "special_ed_funds", "special_ed_students", "teacher_avg_pay", "civil_servant_avg_pay", "performance_pay_full",
    "rotation_eligible", "rotated", "rotated_backbone", "senior_quota_total", "senior_quota_allocated",
    "migrant_eligible", "migrant_in_public", "migrant_in_purchased", "disabled_children", "disabled_enrolled",
    "retention_rate", "monitoring_level_ok", "monitoring_diff_rate", "social_recognition", "satisfaction",
    "government_score",
] + FACT_COLUMNS + VETO_COLUMNS

# syllables for made-up place names (60 x 60 = 3600 distinct two-character names)
_FIRST = list("青白石清东西南北安长永平新云金龙凤桃柳杨松梅兰桂文和宁华明嘉泰福丰瑞庆宝"
              "仁义礼德兴旺昌盛秀景春秋红黄紫碧翠玉银铁竹枫鹤锦")
_SECOND = list("山水河川江湖泉溪岭峰原林田阳城桥台坪塘口湾洲屯岗沟营集堡庄店"
               "坝坡岩滩渡港浦亭源谷园湘浜圩垣畈埠寨铺堰峪关岸岛屿畔埔墩垭岔")
assert len(set(_FIRST)) == 60 and len(set(_SECOND)) == 60, "syllable lists must be 60 distinct characters"

_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1..999 as Chinese numerals (一, 十, 十一, 二十, 一百零五 ...)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    h, r = divmod(n, 100)
    if r == 0:
        return _DIGITS[h] + "百"
    return _DIGITS[h] + "百" + ("零" + _DIGITS[r] if r < 10 else _cn_number(r) if r >= 20 else "一" + _cn_number(r))


_CN = np.array([""] + [_cn_number(i) for i in range(1, 1000)], dtype=object)
_PLACES = np.array([a + b for a in _FIRST for b in _SECOND], dtype=object)


# --------------------------------------------------------------------------- helpers

def _lognormal(rng, mean, sd, size):
    """Lognormal draws with the given arithmetic mean and sd."""
    mean = np.asarray(mean, dtype=float)
    s2 = np.log1p((sd / mean) ** 2)
    return np.exp(rng.normal(np.log(mean) - s2 / 2, np.sqrt(s2), size))


def _clip_int(x, lo, hi):
    return np.clip(np.rint(x), lo, hi).astype(np.int64)


def _yesno(mask):
    return np.where(mask, "是", "否").astype(object)


def _nullable(values, present):
    """Int64 column that is <NA> (written empty) where the stage/field is absent."""
    s = pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")
    s[~np.asarray(present)] = pd.NA
    return s


def _float_col(values, present, decimals=1):
    v = np.round(np.asarray(values, dtype=float), decimals)
    return np.where(present, v, np.nan)


def _binom(rng, n, p):
    n = np.maximum(np.asarray(n, dtype=np.int64), 0)
    return rng.binomial(n, np.clip(p, 0.0, 1.0))


def _split_counts(rng, total, probs):
    """Split integer totals into len(probs) parts (vectorised multinomial)."""
    total = np.maximum(np.asarray(total, dtype=np.int64), 0)
    return rng.multinomial(total, probs)


# --------------------------------------------------------------------------- layout

def _schools_per_county(rng, n_counties, schools_per_county, total_schools):
    if total_schools is not None:
        total_schools = int(total_schools)
        if total_schools < n_counties:
            raise ValueError(f"total schools ({total_schools}) must be at least the number of counties ({n_counties})")
        w = rng.lognormal(0.0, 0.5, n_counties)
        return 1 + rng.multinomial(total_schools - n_counties, w / w.sum())
    if schools_per_county is None:
        raise ValueError("give schools_per_county or total_schools")
    per = np.broadcast_to(np.asarray(schools_per_county, dtype=np.int64), (n_counties,)).copy()
    if (per < 1).any():
        raise ValueError("schools per county must be at least 1")
    return per


def _county_frame(rng, n_counties, id_prefix="SYN"):
    width = max(4, len(str(n_counties)))
    ids = np.array([f"{id_prefix}{i:0{width}d}" for i in range(1, n_counties + 1)], dtype=object)
    order = rng.permutation(len(_PLACES))
    places = _PLACES[order[np.arange(n_counties) % len(_PLACES)]].copy()
    dup = np.arange(n_counties) >= len(_PLACES)
    if dup.any():  # more counties than names: number the repeats
        places[dup] = places[dup] + (np.arange(n_counties)[dup] // len(_PLACES) + 1).astype(str).astype(object)
    names = places + "县（合成）"
    n_prov = max(1, int(round(n_counties / 94)))
    prov_idx = np.sort(rng.integers(0, n_prov, n_counties)) if n_prov > 1 else np.zeros(n_counties, int)
    provinces = np.array([f"示例省{k + 1:02d}" for k in range(n_prov)], dtype=object)[prov_idx]
    return pd.DataFrame({"county_id": ids, "county_name": names, "province": provinces, "place": places})


# --------------------------------------------------------------------------- schools

def _school_names(rng, county_place, county_idx, stype, ur, own):
    """Plausible made-up names, numbered within county/town/village (第二小学, 第三中学 ...)."""
    n = len(stype)
    town_i = rng.integers(0, len(_PLACES), n)
    village_i = rng.integers(0, len(_PLACES), n)
    township = rng.random(n) < 0.3  # 乡 rather than 镇
    city, town, rural = ur == "城区", ur == "镇区", ur == "乡村"
    # numbering group: county + where the school sits (town, village) + type
    urc = np.where(city, 0, np.where(town, 1, 2))
    g = pd.DataFrame({"c": county_idx, "u": urc, "t": np.where(city, -1, town_i),
                      "s": township & ~city, "v": np.where(rural, village_i, -1),
                      "y": pd.Categorical(stype, categories=SCHOOL_TYPES).codes, "o": own == "民办"})
    k = g.groupby(list(g.columns), sort=False).cumcount().to_numpy() + 1
    numbered = k > 1
    word = np.empty(n, dtype=object)
    t = stype
    word[t == "小学"] = "小学"
    word[(t == "小学") & town & ~numbered & (own == "公办")] = "中心小学"
    word[t == "初中"] = "初级中学"
    word[(t == "初中") & town] = "中学"
    word[t == "九年一贯制"] = "九年一贯制学校"
    word[(t == "九年一贯制") & city & (k % 2 == 0)] = "实验学校"
    word[t == "十二年一贯制"] = "十二年一贯制学校"
    word[(t == "十二年一贯制") & city] = "外国语学校"
    word[t == "完全中学"] = "完全中学"
    word[(t == "完全中学") & city] = "中学"
    word[t == "教学点"] = "教学点"
    numbered |= city & np.isin(t, ["小学", "初中", "完全中学"])  # 城区: 第一小学, 第二小学 ...
    private = own == "民办"
    cn = _CN.tolist()
    places = _PLACES.tolist()
    return np.array([
        (cp if u == 0 else places[ti] + ("乡" if sh else "镇") + (places[vi] + "村" if u == 2 else ""))
        + ("民办" if pr else "") + ("第" + cn[min(kk, 999)] if nb else "") + w
        for cp, u, ti, sh, vi, pr, kk, nb, w in zip(
            county_place.tolist(), urc.tolist(), town_i.tolist(), township.tolist(), village_i.tolist(),
            private.tolist(), k.tolist(), numbered.tolist(), word.tolist())
    ], dtype=object)


def _factors(rng, n, county_idx, n_counties, params, indicators):
    """Resource factors (ratio / threshold) for each indicator: county + school + noise on log scale."""
    ceff = rng.normal(0.0, params["county_sd"], n_counties)[county_idx]
    seff = rng.normal(0.0, params["school_sd"], n)
    out = {}
    for ind in indicators:
        base = ind.split("_")[0]
        sd = params["indicator_sd"].get(base, params["noise_sd"])
        mean = params["indicator_mean"].get(base, params["factor_mean"])
        var = params["county_sd"] ** 2 + params["school_sd"] ** 2 + sd ** 2
        out[ind] = np.exp(np.log(mean) - var / 2 + ceff + seff + rng.normal(0.0, sd, n))
    return out


def _make_schools(rng, counties, county_idx, params, stype=None, year=2024):
    n = len(county_idx)
    n_counties = len(counties)
    p = dict(DEFAULT_PARAMS, **(params or {}))
    if stype is None:
        stype = np.array(SCHOOL_TYPES, dtype=object)[rng.choice(len(SCHOOL_TYPES), n, p=TYPE_MIX)]
    stype = np.asarray(stype, dtype=object)
    is_point = stype == "教学点"

    # ---- location, ownership, age
    ur_draw = rng.random(n)
    ur = np.where(ur_draw < 0.30, "城区", np.where(ur_draw < 0.62, "镇区", "乡村")).astype(object)
    ur[is_point] = "乡村"
    own = np.where((rng.random(n) < 0.05) & ~is_point, "民办", "公办").astype(object)
    built = np.clip(np.rint(1950 + 73 * rng.beta(1.6, 1.3, n)), 1950, 2023).astype(np.int64)
    dense = (ur == "城区") & (rng.random(n) < 0.12)

    has = {s: np.isin(stype, list(types)) for s, types in HAS.items()}

    # ---- enrolment: medians by type x urban/rural (multiplier), clipped to plausible ranges
    ur_mult = np.select([ur == "城区", ur == "镇区"], [1.8, 1.0], 0.45)
    students = {}
    med_p = np.where(stype == "小学", 650, np.where(stype == "十二年一贯制", 550, 420))
    sp = _clip_int(med_p * ur_mult * rng.lognormal(0, 0.55, n), 50, 2600)
    sp[is_point] = _clip_int(40 * rng.lognormal(0, 0.6, n), 10, 120)[is_point]
    students["primary"] = sp
    med_j = np.select([stype == "初中", stype == "完全中学", stype == "十二年一贯制"], [800, 700, 500], 300)
    students["junior"] = _clip_int(med_j * ur_mult * rng.lognormal(0, 0.5, n), 100, 2800)
    students["senior"] = _clip_int(900 * np.sqrt(ur_mult) * rng.lognormal(0, 0.4, n), 100, 3000)
    for s in students:
        students[s] = np.where(has[s], students[s], 0)
    compulsory = students["primary"] + students["junior"]
    boarding = np.where(ur == "乡村", 0.45, np.where(ur == "镇区", 0.15, 0.02))
    boarding = has["junior"] & (rng.random(n) < boarding)
    boarding |= (stype == "小学") & (ur == "乡村") & (rng.random(n) < 0.05)

    cols = {}
    cols["school_type"] = stype
    cols["urban_rural"] = ur
    cols["ownership"] = own
    cols["boarding"] = _yesno(boarding)
    cols["built_year"] = built
    cols["dense_central_city"] = _yesno(dense)
    for s in ("primary", "junior", "senior"):
        cols[f"students_{s}"] = _nullable(students[s], has[s])
    mig_share = np.select([ur == "城区", ur == "镇区"], [0.25, 0.10], 0.02) * rng.beta(1.2, 1.8, n) * 2
    cols["migrant_students"] = _binom(rng, compulsory, np.minimum(mig_share, 0.9))

    # ---- classes and class sizes
    avg_target = {
        "primary": np.select([ur == "城区", ur == "镇区"], [43.0, 38.0], 28.0),
        "junior": np.select([ur == "城区", ur == "镇区"], [47.0, 44.0], 36.0),
    }
    avg_target["primary"] = np.where(is_point, 12.0, avg_target["primary"])
    grades = {"primary": 6, "junior": 3}
    total_classes = np.zeros(n, dtype=np.int64)
    max_class = {}
    for s in STAGES:
        st = students[s]
        target = avg_target[s] * rng.lognormal(0, 0.1, n)
        cls = np.maximum(np.ceil(st / target), np.minimum(grades[s], np.ceil(st / 10.0)))
        cls = np.maximum(cls, 1).astype(np.int64)
        cls[is_point] = np.maximum(1, np.ceil(st[is_point] / 15.0)).astype(np.int64) if s == "primary" else 1
        avg = st / cls
        mx = np.ceil(avg * rng.uniform(1.0, 1.18, n)).astype(np.int64)
        mx = np.maximum(mx, np.ceil(avg).astype(np.int64))
        over = np.where(mx > CLASS_LIMIT[s], 1 + _binom(rng, cls - 1, 0.25), 0)
        cols[f"classes_{s}"] = _nullable(cls, has[s])
        cols[f"max_class_size_{s}"] = _nullable(mx, has[s])
        cols[f"classes_over_limit_{s}"] = _nullable(over, has[s])
        total_classes += np.where(has[s], cls, 0)
        max_class[s] = np.where(has[s], mx, 0)
    rural_small_50_99 = (ur == "乡村") & (compulsory >= 50) & (compulsory < 100)
    rural_small_u30 = (ur == "乡村") & (np.maximum(max_class["primary"], max_class["junior"]) < 30)
    cols["rural_small_50_99"] = _yesno(rural_small_50_99)
    cols["rural_small_under30"] = _yesno(rural_small_u30)

    # nearby enrolment: urban/town public schools mostly all in zone
    for s in STAGES:
        share = np.where(rng.random(n) < 0.75, 1.0, rng.uniform(0.85, 1.0, n))
        share = np.where((ur == "乡村") | boarding | (own == "民办"), rng.uniform(0.6, 1.0, n), share)
        cols[f"in_zone_students_{s}"] = _nullable(np.floor(students[s] * share), has[s])

    # ---- resource factors
    inds = [f"{r}_{s}" for r in ("R1", "R2", "R3") for s in STAGES] + ["R4", "R5", "R6", "R7"]
    f = _factors(rng, n, county_idx, n_counties, p, inds)

    # ---- teachers, per stage
    total_teachers = np.zeros(n, dtype=np.int64)
    for s in STAGES:
        st = students[s]
        bonus = np.where(st < 100, p["small_bonus"], 1.0)
        above = np.rint(THRESHOLDS["R1"][s] * f[f"R1_{s}"] * bonus * st / 100).astype(np.int64)
        above = np.maximum(above, 1)
        # teachers below the required degree: primary 高中/中专 and below, junior 专科
        below_share = rng.beta(2, 14, n) if s == "primary" else rng.beta(3, 12, n)
        below = np.rint(above * below_share / (1 - below_share)).astype(np.int64)
        backbone = np.rint(THRESHOLDS["R2"][s] * f[f"R2_{s}"] * bonus * st / 100).astype(np.int64)
        pe_art = np.rint(THRESHOLDS["R3"][s] * f[f"R3_{s}"] * bonus * st / 100).astype(np.int64)
        teachers = above + below
        teachers = np.maximum(teachers, np.maximum(backbone, pe_art))
        if s == "primary":
            deg = _split_counts(rng, above, [0.30, 0.62, 0.075, 0.005])
            cols["teachers_college_primary"] = _nullable(deg[:, 0], has[s])
            bachelor, master, doctor = deg[:, 1], deg[:, 2], deg[:, 3]
        else:
            deg = _split_counts(rng, above, [0.885, 0.11, 0.005])
            bachelor, master, doctor = deg[:, 0], deg[:, 1], deg[:, 2]
        cols[f"teachers_{s}"] = _nullable(teachers, has[s])
        cols[f"teachers_bachelor_{s}"] = _nullable(bachelor, has[s])
        cols[f"teachers_master_{s}"] = _nullable(master, has[s])
        cols[f"teachers_doctor_{s}"] = _nullable(doctor, has[s])
        title_p = rng.uniform(0.35, 0.75, n)
        cols[f"teachers_senior_title_{s}"] = _nullable(_binom(rng, teachers, title_p), has[s])
        cols[f"backbone_teachers_{s}"] = _nullable(backbone, has[s])
        parts = _split_counts(rng, pe_art, [0.45, 0.25, 0.22, 0.08])
        for j, name in enumerate(("pe", "music", "fine_art", "art")):
            cols[f"{name}_teachers_{s}"] = _nullable(parts[:, j], has[s])
        visiting = rng.integers(0, 4, n)
        cols[f"visiting_pe_art_teachers_{s}"] = _nullable(visiting, has[s] & rural_small_50_99)
        total_teachers += np.where(has[s], teachers, 0)
    cert_p = np.where(rng.random(n) < 0.8, 1.0, rng.uniform(0.9, 1.0, n))
    cols["certified_teachers"] = _binom(rng, total_teachers, cert_p)
    train_p = np.where(rng.random(n) < 0.6, 1.0, rng.uniform(0.8, 1.0, n))
    cols["trained_360h_teachers"] = _binom(rng, total_teachers, train_p)

    # ---- whole-school stocks, sized on weighted enrolment
    wp = np.ones(n)
    wj = np.ones(n)
    ws = np.zeros(n)
    for t, w in WEIGHTS.items():
        m = stype == t
        wp[m], wj[m], ws[m] = w["primary"], w["junior"], w["senior"]
    weighted = (wp * students["primary"] + wj * students["junior"] + ws * students["senior"]).astype(float)

    def base(r):
        """Per weighted-student figure that puts every compulsory stage at threshold x factor."""
        need_p = np.where(has["primary"], THRESHOLDS[r]["primary"] / np.where(wp > 0, wp, 1), 0)
        need_j = np.where(has["junior"], THRESHOLDS[r]["junior"] / np.where(wj > 0, wj, 1), 0)
        return np.maximum(need_p, need_j) * f[r]

    room = base("R4") * weighted
    indoor = np.where(rng.random(n) < 0.6, room * rng.uniform(0.02, 0.12, n), 0.0)
    cols["teaching_aux_area"] = np.round(room + indoor, 1)
    cols["indoor_sports_area"] = np.round(indoor, 1)
    sports = base("R5") * weighted
    extra = np.where(dense, sports * rng.uniform(0.1, 0.3, n), 0.0)  # dense centre: some space elsewhere
    sports = sports - extra
    gym_share = np.where((weighted > 800) & (rng.random(n) < 0.55), rng.uniform(0.08, 0.25, n), 0.0)
    cols["gym_area"] = np.round(sports * gym_share, 1)
    cols["sports_ground_area"] = np.round(sports * (1 - gym_share), 1)
    leased = extra * rng.uniform(0.3, 0.7, n)
    cols["leased_sports_area"] = _float_col(leased, dense)
    cols["other_sports_area"] = _float_col(extra - leased, dense)
    cols["equipment_value"] = np.rint(base("R6") * weighted).astype(np.int64)
    cols["multimedia_rooms"] = np.maximum(np.rint(base("R7") * weighted / 100), 1).astype(np.int64)
    cols["computers"] = np.rint(weighted * rng.uniform(0.06, 0.2, n)).astype(np.int64)
    cols["books"] = np.rint(weighted * rng.uniform(20, 45, n) / 10).astype(np.int64) * 10

    # ---- music and art rooms by area band (one of each per 12 classes, some schools short)
    need = np.ceil(total_classes / 12).astype(np.int64)
    old = built <= 2016
    band_p_new = [0.9, 0.08, 0.02]
    band_p_old = [0.55, 0.3, 0.15]
    for kind, bands in (("music", ("96", "73", "61")), ("art", ("90", "67", "61"))):
        delta = rng.choice([-1, 0, 0, 0, 0, 0, 0, 1, 1], n)
        rooms = np.maximum(need + delta, 0)
        rooms[is_point] = (rng.random(is_point.sum()) < 0.4).astype(np.int64)
        split_new = _split_counts(rng, rooms, band_p_new)
        split_old = _split_counts(rng, rooms, band_p_old)
        split = np.where(old[:, None], split_old, split_new)
        for j, b in enumerate(bands):
            cols[f"{kind}_rooms_{b}"] = split[:, j]

    # ---- funds: public funds around the baseline (small schools funded as 100 pupils)
    fund_students = np.maximum(students["primary"], np.where(has["primary"] & ~has["junior"], 100, 0)) * 750 \
        + np.maximum(students["junior"], np.where(has["junior"] & ~has["primary"], 100, 0)) * 950 \
        + boarding * compulsory * 200
    public = np.rint(fund_students * rng.uniform(1.0, 1.4, n) / 100).astype(np.int64) * 100
    cols["public_funds_budget"] = public
    cols["training_funds_budget"] = np.rint(public * rng.uniform(0.035, 0.09, n)).astype(np.int64)

    # ---- junior 3-year retention inputs: (graduates - in + out) / (grade7 - deaths) = r
    g7 = np.maximum(np.rint(students["junior"] / 3 * rng.uniform(0.95, 1.1, n)), 1).astype(np.int64)
    deaths = _binom(rng, g7, 0.0004)
    t_out = _binom(rng, g7, rng.uniform(0.0, 0.05, n))
    t_in = _binom(rng, g7, rng.uniform(0.0, 0.04, n))
    r = np.minimum(rng.normal(0.975, 0.02, n), 1.0)
    grads = np.maximum(np.rint(r * (g7 - deaths)) - t_out + t_in, 0).astype(np.int64)
    for name, v in (("graduates", grads), ("grade7_enrolment", g7), ("transfers_in", t_in),
                    ("transfers_out", t_out), ("deaths", deaths)):
        cols[name] = _nullable(v, has["junior"])

    names = _school_names(rng, counties["place"].to_numpy()[county_idx], county_idx, stype, ur, own)
    ids = counties["county_id"].to_numpy()[county_idx]
    seq = pd.Series(county_idx).groupby(county_idx).cumcount().to_numpy() + 1
    width = max(3, len(str(int(seq.max()))))
    cols["school_id"] = np.array([f"{c}-{q:0{width}d}" for c, q in zip(ids.tolist(), seq.tolist())], dtype=object)
    cols["school_name"] = names
    cols["county_id"] = ids
    df = pd.DataFrame(cols)
    return df[SCHOOL_COLUMNS]


# --------------------------------------------------------------------------- counties

def _make_counties(rng, counties, schools, year=2024):
    n = len(counties)
    idx = pd.Index(counties["county_id"])
    g = schools.groupby("county_id", sort=False)
    teachers = (schools["teachers_primary"].fillna(0) + schools["teachers_junior"].fillna(0)).astype("int64")
    sum_teachers = teachers.groupby(schools["county_id"]).sum().reindex(idx, fill_value=0).to_numpy()
    junior = schools["students_junior"].fillna(0).astype("int64").groupby(schools["county_id"]).sum()
    junior = junior.reindex(idx, fill_value=0).to_numpy()
    migrants = g["migrant_students"].sum().reindex(idx, fill_value=0).to_numpy()
    ret = schools[["graduates", "grade7_enrolment", "transfers_in", "transfers_out", "deaths"]].fillna(0)
    ret = ret.astype("int64").groupby(schools["county_id"]).sum().reindex(idx, fill_value=0)
    denom = (ret["grade7_enrolment"] - ret["deaths"]).to_numpy()
    num = (ret["graduates"] - ret["transfers_in"] + ret["transfers_out"]).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        retention = np.where(denom > 0, num / np.where(denom > 0, denom, 1) * 100, rng.uniform(94, 100, n))
    retention = np.round(np.minimum(retention, 100.0), 2)

    base_p = rng.choice([650, 700, 800, 935, 1150, 1200], n, p=[0.25, 0.15, 0.15, 0.15, 0.2, 0.1])
    base_j = base_p + rng.choice([200, 220, 250], n)
    civil = np.rint(rng.uniform(60000, 150000, n) / 100).astype(np.int64) * 100
    pay = np.rint(civil * rng.uniform(0.96, 1.12, n) / 100).astype(np.int64) * 100
    sped_students = rng.integers(15, 400, n)
    sped_funds = np.rint(sped_students * rng.uniform(5500, 12000, n) / 100).astype(np.int64) * 100
    eligible = np.maximum(np.rint(sum_teachers * rng.uniform(0.3, 0.5, n)), 1).astype(np.int64)
    rotated = _binom(rng, eligible, rng.uniform(0.08, 0.2, n))
    rotated_backbone = _binom(rng, rotated, rng.uniform(0.15, 0.35, n))
    quota_total = np.maximum(np.rint(junior / 3 * rng.uniform(0.3, 0.6, n)), 1).astype(np.int64)
    quota_alloc = _binom(rng, quota_total, rng.uniform(0.45, 0.75, n))
    mig_elig = np.rint(migrants * rng.uniform(1.0, 1.1, n)).astype(np.int64)
    mig_public = _binom(rng, mig_elig, rng.uniform(0.75, 0.97, n))
    mig_purchased = _binom(rng, mig_elig - mig_public, rng.uniform(0.0, 0.6, n))
    disabled = rng.integers(20, 500, n)
    disabled_in = _binom(rng, disabled, rng.uniform(0.92, 1.0, n))

    out = {
        "county_id": counties["county_id"].to_numpy(),
        "county_name": counties["county_name"].to_numpy(),
        "province": counties["province"].to_numpy(),
        "year": np.full(n, year, dtype=np.int64),
        "funding_baseline_primary": base_p,
        "funding_baseline_junior": base_j,
        "special_ed_funds": sped_funds,
        "special_ed_students": sped_students,
        "teacher_avg_pay": pay,
        "civil_servant_avg_pay": civil,
        "performance_pay_full": _yesno(np.ones(n, dtype=bool)),  # G8 second half; constant: no new random draw
        "rotation_eligible": eligible,
        "rotated": rotated,
        "rotated_backbone": rotated_backbone,
        "senior_quota_total": quota_total,
        "senior_quota_allocated": quota_alloc,
        "migrant_eligible": mig_elig,
        "migrant_in_public": mig_public,
        "migrant_in_purchased": mig_purchased,
        "disabled_children": disabled,
        "disabled_enrolled": disabled_in,
        "retention_rate": retention,
        "monitoring_level_ok": _yesno(rng.random(n) < 0.9),
        "monitoring_diff_rate": np.round(rng.uniform(0.05, 0.19, n), 3),
        "social_recognition": np.round(rng.uniform(80, 98, n), 1),
        "satisfaction": np.round(rng.uniform(80, 98, n), 1),
        "government_score": np.round(rng.uniform(75, 98, n), 1),
    }
    for c in FACT_COLUMNS:
        out[c] = _yesno(rng.random(n) < 0.93)
    for c in VETO_COLUMNS:
        out[c] = _yesno(rng.random(n) < 0.005)
    return pd.DataFrame(out)[COUNTY_COLUMNS]


# --------------------------------------------------------------------------- mistakes

MISTAKE_KINDS = ["negative", "text", "blank_id", "duplicate_id", "degree_over", "fullwidth", "percent"]
_NEG_COLS = ["teaching_aux_area", "sports_ground_area", "equipment_value", "books", "computers",
             "certified_teachers"]
_TEXT_COLS = ["multimedia_rooms", "books", "equipment_value", "teaching_aux_area"]
_PCT_COLS = ["certified_teachers", "trained_360h_teachers", "computers"]
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _as_text(s: pd.Series) -> pd.Series:
    """A column as text the way it is written to CSV ('' for missing, no '.0' on counts)."""
    if isinstance(s.dtype, pd.Int64Dtype):
        t = s.astype("string")
    elif pd.api.types.is_integer_dtype(s.dtype):
        t = s.astype(str)
    elif pd.api.types.is_float_dtype(s.dtype):
        t = s.map(repr).where(s.notna(), "")
    else:
        return s.astype(object).where(s.notna(), "")
    return t.astype(object).where(s.notna(), "")


def _inject_mistakes(rng, df, rate):  # noqa: C901
    n = len(df)
    k = int(round(n * rate))
    if k <= 0 or n == 0:
        df.attrs["mistakes"] = []
        return df
    rows = np.sort(rng.choice(n, k, replace=False))
    kinds = np.array(MISTAKE_KINDS, dtype=object)[rng.integers(0, len(MISTAKE_KINDS), k)]
    log_col = np.empty(k, dtype=object)
    text_cols = {}

    def text(col):
        if col not in text_cols:
            text_cols[col] = _as_text(df[col]).to_numpy(dtype=object).copy()
        return text_cols[col]

    pos = np.arange(k)
    # negative number
    m = pos[kinds == "negative"]
    cols = np.array(_NEG_COLS, dtype=object)[rng.integers(0, len(_NEG_COLS), len(m))]
    for col in _NEG_COLS:
        sel = rows[m[cols == col]]
        if len(sel):
            v = df[col].to_numpy().copy()
            v[sel] = -np.where(v[sel] == 0, 1, v[sel])
            df[col] = v
    log_col[m] = cols
    # text in a number column
    m = pos[kinds == "text"]
    cols = np.array(_TEXT_COLS, dtype=object)[rng.integers(0, len(_TEXT_COLS), len(m))]
    words = np.array(["不详", "见附表", "待核实", "约", "暂无数据"], dtype=object)[rng.integers(0, 5, len(m))]
    for col in _TEXT_COLS:
        sel_m = cols == col
        if sel_m.any():
            t = text(col)
            r = rows[m[sel_m]]
            w = words[sel_m]
            t[r] = np.where(w == "约", "约" + t[r].astype(str), w)
    log_col[m] = cols
    # blank school_id
    m = pos[kinds == "blank_id"]
    text("school_id")[rows[m]] = ""
    log_col[m] = "school_id"
    # duplicate school_id: copy the id of the neighbouring row
    m = pos[kinds == "duplicate_id"]
    if len(m):
        src = np.where(rows[m] > 0, rows[m] - 1, np.minimum(rows[m] + 1, n - 1))
        orig = df["school_id"].to_numpy(dtype=object)
        text("school_id")[rows[m]] = orig[src]
    log_col[m] = "school_id"
    # degree counts above teacher counts (bachelor > teachers of that stage)
    m = pos[kinds == "degree_over"]
    stage = np.where(df["teachers_primary"].notna().to_numpy()[rows[m]], "primary", "junior")
    for s in STAGES:
        r = rows[m[stage == s]]
        if len(r):
            b = df[f"teachers_bachelor_{s}"].copy()
            tt = df[f"teachers_{s}"].to_numpy(dtype="float64", na_value=np.nan)
            b.iloc[r] = (tt[r] + rng.integers(1, 6, len(r))).astype(np.int64)
            df[f"teachers_bachelor_{s}"] = b
    log_col[m] = np.char.add("teachers_bachelor_", stage.astype(str)).astype(object)
    # full-width digits in an enrolment column
    m = pos[kinds == "fullwidth"]
    stage = np.where(df["students_primary"].notna().to_numpy()[rows[m]], "primary", "junior")
    for s in STAGES:
        r = rows[m[stage == s]]
        if len(r):
            t = text(f"students_{s}")
            t[r] = [v.translate(_FULLWIDTH) for v in t[r]]
    log_col[m] = np.char.add("students_", stage.astype(str)).astype(object)
    # '95%' in a count column
    m = pos[kinds == "percent"]
    cols = np.array(_PCT_COLS, dtype=object)[rng.integers(0, len(_PCT_COLS), len(m))]
    pct = rng.integers(85, 101, len(m))
    for col in _PCT_COLS:
        sel_m = cols == col
        if sel_m.any():
            text(col)[rows[m[sel_m]]] = [f"{v}%" for v in pct[sel_m]]
    log_col[m] = cols

    ids_before = df["school_id"].to_numpy(dtype=object)
    for col, t in text_cols.items():
        df[col] = t
    df.attrs["mistakes"] = [
        {"row": int(r), "school_id": ids_before[r], "kind": kd, "column": c}
        for r, kd, c in zip(rows, kinds, log_col)
    ]
    return df


# --------------------------------------------------------------------------- public API

def generate(n_counties, schools_per_county, seed, mistakes=0.0, *, total_schools=None, params=None,
             year=2024):
    """Return (schools_df, counties_df) of SYNTHETIC data.

    n_counties: number of counties; schools_per_county: int (or one int per county);
    total_schools: instead of schools_per_county, this many schools spread unevenly over the
    counties; mistakes: fraction of school rows given one realistic data mistake (the list is in
    ``schools_df.attrs['mistakes']``); params: overrides of DEFAULT_PARAMS.
    """
    n_counties = int(n_counties)
    if n_counties < 1:
        raise ValueError("need at least one county")
    if not 0.0 <= float(mistakes) <= 1.0:
        raise ValueError("mistakes must be a fraction between 0 and 1")
    ss = np.random.SeedSequence(int(seed))
    r_layout, r_schools, r_counties, r_mistakes = (np.random.default_rng(s) for s in ss.spawn(4))
    counties = _county_frame(r_layout, n_counties)
    per = _schools_per_county(r_layout, n_counties, schools_per_county, total_schools)
    county_idx = np.repeat(np.arange(n_counties), per)
    schools = _make_schools(r_schools, counties, county_idx, params, year=year)
    county_df = _make_counties(r_counties, counties, schools, year=year)
    schools.attrs["mistakes"] = []
    if mistakes:
        schools = _inject_mistakes(r_mistakes, schools, float(mistakes))
    return schools, county_df


# --------------------------------------------------------------------------- scenarios (issue 18)

# what a county sends first: the resource sheet (every input of R1-R7 and R_school, scope flags included),
# every government and quality field absent
RESOURCE_COLS = ["school_id", "school_name", "county_id", "school_type", "urban_rural", "students_primary",
                 "students_junior", "students_senior", "teachers_primary", "teachers_junior",
                 "teachers_college_primary", "teachers_bachelor_primary", "teachers_bachelor_junior",
                 "teachers_master_primary", "teachers_master_junior", "teachers_doctor_primary",
                 "teachers_doctor_junior", "backbone_teachers_primary", "backbone_teachers_junior",
                 "pe_teachers_primary", "pe_teachers_junior", "music_teachers_primary", "music_teachers_junior",
                 "fine_art_teachers_primary", "fine_art_teachers_junior", "art_teachers_primary",
                 "art_teachers_junior", "visiting_pe_art_teachers_primary", "visiting_pe_art_teachers_junior",
                 "teaching_aux_area", "indoor_sports_area", "gym_area", "sports_ground_area", "leased_sports_area",
                 "other_sports_area", "equipment_value", "multimedia_rooms", "dense_central_city", "rural_small_50_99"]
SCENARIOS = ("complete", "partial", "messy")
_MESSY_WORDS = np.array(["不详", "见附表", "待核实", "暂无"], dtype=object)


def apply_scenario(schools, counties, scenario, seed=1, invalid_rate=0.05):
    """complete: as generated; partial: only the resource fields (county file: ids and names);
    messy: at least one cross-field problem per school (a degree count, backbone or in-zone count above
    its whole) and ``invalid_rate`` of the numeric cells invalid (text, negative, out of range)."""
    if scenario == "complete":
        return schools, counties
    if scenario == "partial":
        return (schools[[c for c in RESOURCE_COLS if c in schools.columns]].copy(),
                counties[["county_id", "county_name", "year"]].copy())
    if scenario != "messy":
        raise ValueError(f"unknown scenario {scenario}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 18]))
    df = schools.copy()
    n = len(df)
    # one cross-field problem per school, on a stage the school has
    prim = df["students_primary"].notna().to_numpy()
    kind = rng.integers(0, 3, n)
    for s, has in (("primary", prim), ("junior", ~prim)):
        whole = df[f"teachers_{s}"].to_numpy(dtype="float64", na_value=np.nan)
        stud = df[f"students_{s}"].to_numpy(dtype="float64", na_value=np.nan)
        for k, (col, w) in enumerate(((f"teachers_bachelor_{s}", whole), (f"backbone_teachers_{s}", whole),
                                      (f"in_zone_students_{s}", stud))):
            r = np.flatnonzero(has & (kind == k) & ~np.isnan(w))
            v = df[col].to_numpy(dtype="float64", na_value=np.nan)
            v[r] = w[r] + rng.integers(1, 6, len(r))
            df[col] = pd.array(np.where(np.isnan(v), None, v), dtype="Int64") if len(r) else df[col]
    # invalid numeric cells: text, negative, out of range (a percentage-like 1e9)
    nums = [c for c in df.columns if c not in ("school_id", "school_name", "county_id", "school_type", "urban_rural",
                                                 "ownership", "boarding", "dense_central_city", "rural_small_50_99",
                                                 "rural_small_under30", "built_year")]
    for c in nums:
        vals = df[c].to_numpy(dtype="float64", na_value=np.nan)
        hit = (rng.random(n) < invalid_rate) & ~np.isnan(vals)
        if not hit.any():
            continue
        t = _as_text(df[c]).to_numpy(dtype=object).copy()
        how = rng.integers(0, 3, n)
        t[hit & (how == 0)] = _MESSY_WORDS[rng.integers(0, len(_MESSY_WORDS), n)][hit & (how == 0)]
        neg = hit & (how == 1)
        t[neg] = ["-" + x if x and x != "0" else "-1" for x in t[neg]]
        t[hit & (how == 2)] = "999999999999"
        df[c] = t
    return df, counties


# --------------------------------------------------------------------------- multi-year series

# counts that scale with a school's enrolment (rounded half-up); parts of a total are floored so
# that a part never exceeds its total (degrees <= teachers, in-zone <= students)
_SERIES_TOTALS = ["students_primary", "students_junior", "students_senior", "teachers_primary", "teachers_junior",
                  "classes_primary", "classes_junior"]
_SERIES_PARTS = ["migrant_students", "in_zone_students_primary", "in_zone_students_junior",
                 "teachers_college_primary", "teachers_bachelor_primary", "teachers_bachelor_junior",
                 "teachers_master_primary", "teachers_master_junior", "teachers_doctor_primary",
                 "teachers_doctor_junior", "teachers_senior_title_primary", "teachers_senior_title_junior",
                 "backbone_teachers_primary", "backbone_teachers_junior", "pe_teachers_primary", "pe_teachers_junior",
                 "music_teachers_primary", "music_teachers_junior", "fine_art_teachers_primary",
                 "fine_art_teachers_junior", "art_teachers_primary", "art_teachers_junior", "certified_teachers",
                 "trained_360h_teachers"]
_SERIES_MONEY = ["public_funds_budget", "training_funds_budget"]


def generate_series(n_counties, schools_per_county, seed, years, last_year=2024, *, total_schools=None,
                    enrolment_trend=-0.03, trend_sd=0.04, turnover=0.005):
    """SYNTHETIC records for ``years`` consecutive years ending in ``last_year``: {year: (schools, counties)}.

    The last year is exactly ``generate(...)``'s output. Going back k years, each school's enrolment,
    classes and budgets are scaled by f = (1 + g)^-k and its teacher counts by f^0.5 (teachers follow
    enrolment half-way; parts floored, totals rounded, so parts never exceed totals), g a per-school yearly
    growth rate drawn from N(enrolment_trend, trend_sd) (falling pupil numbers by default), while buildings
    and equipment stay as they are: per-pupil areas then drift as enrolment moves. A fraction
    ``turnover`` of schools opens in the last year (absent before) and as many close after the first year
    (present in the first year only, a copy of a last-year school under a new code). Counties get
    ``basic_balance_certified_year``.
    """
    years = int(years)
    if years < 1:
        raise ValueError("need at least one year")
    schools, counties = generate(n_counties, schools_per_county, seed, total_schools=total_schools, year=last_year)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 16]))
    n = len(schools)
    g = rng.normal(enrolment_trend, trend_sd, n)
    opened = rng.random(n) < turnover
    closed = schools.loc[rng.random(n) < turnover].copy()
    closed["school_id"] = closed["school_id"].astype(str) + "C"
    counties = counties.copy()
    counties["basic_balance_certified_year"] = rng.integers(2013, 2023, len(counties))
    out = {}
    for k in range(years - 1, -1, -1):
        y = last_year - k
        f = (1.0 + g) ** (-k)
        df = schools.copy()
        ft = f ** 0.5  # teacher numbers follow enrolment half-way
        for c in _SERIES_TOTALS + _SERIES_MONEY:
            v = pd.to_numeric(df[c], errors="coerce").to_numpy(float)
            df[c] = _nullable(np.nan_to_num(np.floor(v * (ft if "teachers" in c else f) + 0.5)), ~np.isnan(v))
        for c in _SERIES_PARTS:
            v = pd.to_numeric(df[c], errors="coerce").to_numpy(float)
            df[c] = _nullable(np.nan_to_num(np.floor(v * (ft if "teachers" in c else f))), ~np.isnan(v))
        if k > 0:
            df = df.loc[~opened]
        if k == years - 1 and years > 1:
            df = pd.concat([df, closed], ignore_index=True)
        cf = counties.copy()
        cf["year"] = y
        out[y] = (df.reset_index(drop=True), cf)
    return out


# The bundled example county. The seed was picked by a search over seeds 1-399 with these
# parameters (backbone teachers, R2, spread much wider than the rest) for: 8-10 of the 35 school
# stages failing the 6-of-7 rule, every CV under its limit, at least one within 0.03 of it.
# Seed 221 gives 8 failing stages; CV of R2 = 0.488 primary (limit 0.50), 0.432 junior (0.45).
DEMO_SEED = 221
DEMO_TYPES = ["小学"] * 16 + ["初中"] * 7 + ["九年一贯制"] * 5 + ["教学点"] * 2
DEMO_PARAMS = {"factor_mean": 1.2, "indicator_sd": {"R2": 0.44}, "indicator_mean": {"R2": 1.9}}
DEMO_BOUNDARY_SCHOOL = "DEMO01-001"


def demo_county(seed=DEMO_SEED):
    """The bundled example: county DEMO01 示范县（合成数据）, 30 SYNTHETIC schools.

    School DEMO01-001 has exactly 1000 primary students and exactly 9 PE/art teachers (the 0.9
    per-100 boundary of R3) and comfortably meets every other indicator.
    """
    ss = np.random.SeedSequence(int(seed))
    r_layout, r_schools, r_counties = (np.random.default_rng(s) for s in ss.spawn(3))
    counties = pd.DataFrame({"county_id": ["DEMO01"], "county_name": ["示范县（合成数据）"],
                             "province": ["示例省"], "place": ["示范"]})
    stype = np.array(DEMO_TYPES, dtype=object)
    stype = np.concatenate([stype[:1], r_layout.permutation(stype[1:])])
    county_idx = np.zeros(len(stype), dtype=np.int64)
    schools = _make_schools(r_schools, counties, county_idx, DEMO_PARAMS, stype=stype)
    _set_boundary_school(schools, 0)
    county_df = _make_counties(r_counties, counties, schools)
    schools.attrs["mistakes"] = []
    return schools, county_df


def _set_boundary_school(df, i):
    """An urban 小学 with 1000 pupils and exactly 9 PE/art teachers, passing everything else."""
    n = 1000
    setv = df.loc.__setitem__
    setv((i, "school_type"), "小学")
    setv((i, "urban_rural"), "城区")
    setv((i, "ownership"), "公办")
    setv((i, "boarding"), "否")
    setv((i, "dense_central_city"), "否")
    setv((i, "rural_small_50_99"), "否")
    setv((i, "rural_small_under30"), "否")
    setv((i, "school_name"), "示范县实验小学")
    setv((i, "built_year"), 2008)
    values = {
        "students_primary": n, "in_zone_students_primary": n, "migrant_students": 86,
        "classes_primary": 24, "max_class_size_primary": 44, "classes_over_limit_primary": 0,
        "teachers_primary": 62, "teachers_college_primary": 14, "teachers_bachelor_primary": 41,
        "teachers_master_primary": 3, "teachers_doctor_primary": 0,          # 58 above degree: 5.8 / 100
        "teachers_senior_title_primary": 35, "backbone_teachers_primary": 13,  # 1.3 / 100
        "pe_teachers_primary": 4, "music_teachers_primary": 2,
        "fine_art_teachers_primary": 2, "art_teachers_primary": 1,          # 9 / 1000 = 0.9 / 100 exactly
        "certified_teachers": 62, "trained_360h_teachers": 62,
        "teaching_aux_area": 5560.0, "indoor_sports_area": 360.0,           # 5200 / 1000 = 5.2 m2
        "gym_area": 1200.0, "sports_ground_area": 7600.0,                   # 8.8 m2
        "equipment_value": 2380000, "multimedia_rooms": 27,                 # 2380 yuan, 2.7 / 100
        "computers": 120, "books": 32000,
        "music_rooms_96": 2, "music_rooms_73": 0, "music_rooms_61": 0,
        "art_rooms_90": 2, "art_rooms_67": 0, "art_rooms_61": 0,
        "public_funds_budget": 860000, "training_funds_budget": 52000,
    }
    for k, v in values.items():
        df.loc[i, k] = v


# --------------------------------------------------------------------------- output

_POW10 = 10 ** np.arange(1, 19, dtype=np.int64)


def _int_cells(v: np.ndarray):
    """int64 values -> (uint8 matrix of ASCII digits, RIGHT-aligned, lengths). Vectorised."""
    n = len(v)
    neg = v < 0
    a = np.abs(v)
    nd = np.searchsorted(_POW10, a, side="right") + 1
    lens = (nd + neg).astype(np.int64)
    w = int(lens.max()) if n else 1
    mat = np.empty((n, w), dtype=np.uint8)
    q = a
    for k in range(w - 1, -1, -1):
        q, r = np.divmod(q, 10)
        mat[:, k] = r
    mat += ord("0")
    if neg.any():
        mat[neg, w - lens[neg]] = ord("-")
    return mat, lens


def _fixed1_cells(v: np.ndarray):
    """Floats with one decimal -> text as repr() writes them ('2321.5', '0.0', '-3.0')."""
    t = np.rint(np.abs(v) * 10).astype(np.int64)
    neg = v < 0
    mat, lens = _int_cells(t // 10)
    if neg.any():  # room for the sign on the left
        mat = np.hstack([np.zeros((len(v), 1), np.uint8), mat])
        mat[neg, mat.shape[1] - 1 - lens[neg]] = ord("-")
        lens = lens + neg
    tail = np.empty((len(v), 2), np.uint8)
    tail[:, 0] = ord(".")
    tail[:, 1] = ord("0") + t % 10
    return np.hstack([mat, tail]), lens + 2


def _csv_cells(s: pd.Series):
    """One column as (uint8 matrix of UTF-8 cell bytes, byte lengths, right-aligned?).
    Missing -> empty, integers without '.0', floats as repr() writes them, text quoted only
    where it holds a comma, quote or line break: the same cells as DataFrame.to_csv."""
    missing = s.isna().to_numpy()
    n = len(s)
    right = True
    if isinstance(s.dtype, pd.Int64Dtype) or pd.api.types.is_integer_dtype(s.dtype):
        mat, lens = _int_cells(s.to_numpy(dtype="int64", na_value=0))
    elif pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype="float64")
        ok = v[~missing]
        if np.all(np.abs(ok) < 1e15) and np.all(np.rint(ok * 10) == ok * 10):
            mat, lens = _fixed1_cells(np.where(missing, 0.0, v))
        else:  # general floats (few columns, small tables): Python's repr
            cells = np.array([repr(x).encode() for x in v.tolist()], dtype="S")
            mat, lens = _bytes_matrix(cells)
            right = False
    else:
        codes, uniques = pd.factorize(s.astype(object).where(~missing, ""), sort=False)
        texts = [u if isinstance(u, str) else str(u) for u in uniques.tolist()]
        joined = "".join(texts)
        if any(ch in joined for ch in ',"\r\n'):
            texts = ['"' + u.replace('"', '""') + '"' if any(ch in u for ch in ',"\r\n') else u for u in texts]
        cells = np.array([u.encode("utf-8") for u in texts] or [b""], dtype="S")[codes if n else []]
        mat, lens = _bytes_matrix(cells)
        right = False
    lens = np.where(missing, 0, lens)
    return mat, lens, right


def _bytes_matrix(cells: np.ndarray):
    w = max(cells.dtype.itemsize, 1)
    cells = cells.astype(f"S{w}")
    return cells.view(np.uint8).reshape(len(cells), w), np.char.str_len(cells).astype(np.int64)


def write_csv(df: pd.DataFrame, path) -> None:
    """UTF-8 CSV, header = column ids, '\\n' line ends, the same bytes DataFrame.to_csv writes,
    but assembled as one numpy byte matrix (200 000 rows in well under a second or two)."""
    n = len(df)
    header = (",".join(map(str, df.columns)) + "\n").encode("utf-8")
    if n == 0 or len(df.columns) == 0:
        Path(path).write_bytes(header)
        return
    cells = [_csv_cells(df[c]) for c in df.columns]
    width = sum(m.shape[1] + 1 for m, _, _ in cells)
    # column-major fill (contiguous writes), row-major boolean pick = the CSV bytes in order
    big = np.empty((n, width), dtype=np.uint8, order="F")
    keep = np.empty((n, width), dtype=bool, order="F")
    off = 0
    for k, (mat, lens, right) in enumerate(cells):
        w = mat.shape[1]
        big[:, off:off + w] = mat
        pos = np.arange(w)[None, :]
        if right:
            np.greater_equal(pos, (w - lens)[:, None], out=keep[:, off:off + w])
        else:
            np.less(pos, lens[:, None], out=keep[:, off:off + w])
        big[:, off + w] = ord("\n" if k == len(cells) - 1 else ",")
        keep[:, off + w] = True
        off += w + 1
    body = big[keep]  # row-major: exactly the CSV bytes in order
    with open(path, "wb") as fh:
        fh.write(header)
        fh.write(body.tobytes())


def write(schools, counties, out, fmt="csv"):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        try:
            schools.to_parquet(out / "schools.parquet", index=False)
            counties.to_parquet(out / "counties.parquet", index=False)
        except ImportError as exc:
            raise SystemExit(f"parquet output needs pyarrow (pip install pyarrow): {exc}") from None
        return [out / "schools.parquet", out / "counties.parquet"]
    paths = [out / "schools.csv", out / "counties.csv"]
    for df, p in zip((schools, counties), paths):
        write_csv(df, p)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write SYNTHETIC schools.csv and counties.csv for the balanced-education rules engine.")
    ap.add_argument("--scale", choices=sorted(SCALES), help="county (1x30), province (100 counties, 7000 "
                    "schools), nation (2900 counties, 200000 schools)")
    ap.add_argument("--counties", type=int, help="number of counties")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--schools-per-county", type=int, help="schools in every county")
    g.add_argument("--schools", type=int, help="total schools, spread unevenly over the counties")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="output directory (default: examples/demo-county with --demo, else out)")
    ap.add_argument("--mistakes", type=float, default=0.0, help="fraction of school rows with a data mistake")
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--year", type=int, default=2024, help="evaluation year (county column year)")
    ap.add_argument("--demo", action="store_true", help="write the bundled example county (fixed seed)")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--scenario", choices=SCENARIOS, default="complete",
                    help="complete | partial (resource fields only) | messy (cross-field problems, 5%% invalid cells)")
    ap.add_argument("--series", type=int, metavar="N", help="write N consecutive years ending in --year (files "
                    "schools-YEAR.csv, counties-YEAR.csv; falling enrolment, schools opening and closing; "
                    "for junheng monitor; --scenario applies to every year)")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    if a.series:
        sc = SCALES.get(a.scale or "county")
        n_c = a.counties if a.counties is not None else sc["counties"]
        per, total = sc["schools_per_county"], sc["schools"]
        if a.schools_per_county is not None:
            per, total = a.schools_per_county, None
        if a.schools is not None:
            total, per = a.schools, None
        try:
            series = generate_series(n_c, per, a.seed, a.series, a.year, total_schools=total)
        except ValueError as exc:
            ap.error(str(exc))
        out = Path(a.out or "out")
        out.mkdir(parents=True, exist_ok=True)
        for y, (s_df, c_df) in series.items():
            # each year's files as a county sends them (partial or messy), the messy cells drawn anew per year
            s_df, c_df = apply_scenario(s_df, c_df, a.scenario, a.seed * 10000 + y)
            write_csv(s_df, out / f"schools-{y}.csv")
            write_csv(c_df, out / f"counties-{y}.csv")
        if not a.quiet:
            print(f"SYNTHETIC series: {len(series)} years to {a.year} in {out} "
                  f"({time.perf_counter() - t0:.2f}s)", file=sys.stderr)
        return 0
    if a.demo:
        schools, counties = demo_county()
        out = a.out or Path(__file__).resolve().parent / "demo-county"
    else:
        n_c, per, total = 1, 30, None
        if a.scale:
            sc = SCALES[a.scale]
            n_c, per, total = sc["counties"], sc["schools_per_county"], sc["schools"]
        if a.counties is not None:
            n_c = a.counties
        if a.schools_per_county is not None:
            per, total = a.schools_per_county, None
        if a.schools is not None:
            total, per = a.schools, None
        try:
            schools, counties = generate(n_c, per, a.seed, a.mistakes, total_schools=total, year=a.year)
        except ValueError as exc:
            ap.error(str(exc))
        out = a.out or "out"
        schools, counties = apply_scenario(schools, counties, a.scenario, a.seed)
    t1 = time.perf_counter()
    paths = write(schools, counties, out, a.format)
    t2 = time.perf_counter()
    if not a.quiet:
        print(f"SYNTHETIC data: {len(schools)} schools, {len(counties)} counties "
              f"(generate {t1 - t0:.2f}s, write {t2 - t1:.2f}s)", file=sys.stderr)
        for p in paths:
            print(p, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
