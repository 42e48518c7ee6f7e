"""The cost file of `junheng plan`: actions (what one unit adds to which record fields, what it costs)
and per-school limits. YAML (yaml.safe_load) or CSV; every mistake is collected and located.

YAML::

    actions:
      - id: hire_pe_primary            # unique
        name: 招聘小学体育教师（本科）
        unit: 人
        cost: 120000                   # yuan per unit
        integer: true                  # people, rooms: whole units; area, money: continuous
        adds: {pe_teachers_primary: 1, teachers_bachelor_primary: 1, teachers_primary: 1}
        max_per_school: 10             # optional
        cap: {field: teachers_primary, minus: backbone_teachers_primary}   # optional: at most this record difference
        # cap: {field: [teachers_primary, teachers_junior], minus: certified_teachers, with_plan: true}
        #   field may list several columns (their sum); with_plan: what the plan's other actions add to
        #   these columns counts too (a teacher hired by the plan can be certified or trained by it)
    limits:                            # optional, per school
      - {school_id: DEMO01-003, action: build_sports_ground, max: 0}       # 0 = not allowed

CSV: one row per action (columns id, name, unit, cost, integer, adds as ``field:amount;field:amount``,
max_per_school, cap as ``field+field-minus``, cap_with_plan) and one row per limit (columns school_id,
action, max; the other cells empty).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from junheng.errors import InputError

MAX_BYTES = 5_000_000
MAX_ACTIONS = 500


@dataclass
class Action:
    id: str
    name: str
    unit: str
    cost: float
    integer: bool
    adds: dict  # record column id -> amount per unit
    max_per_school: float = math.inf
    cap: dict | None = None  # {field: [columns], minus: column | None, with_plan: bool}


@dataclass
class CostFile:
    path: str
    actions: list[Action]
    limits: dict = field(default_factory=dict)  # (school_id, action id) -> max units
    meta: dict = field(default_factory=dict)  # title, 示例 flag, price source


def _num(v, where, errors, name, allow_inf=False):
    if isinstance(v, bool) or v is None or v == "":
        errors.append(f"{where}: {name} 应为数值 / {name} must be a number: {v!r}")
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        errors.append(f"{where}: {name} 应为数值 / {name} must be a number: {v!r}")
        return None
    if math.isnan(x) or (math.isinf(x) and not allow_inf) or x < 0:
        errors.append(f"{where}: {name} 应为非负有限数 / {name} must be a finite number ≥ 0: {v!r}")
        return None
    return x


def _bool(v):
    if isinstance(v, bool):
        return v
    return str(v).strip().lower() in ("1", "true", "yes", "是", "整数", "y")


def _action(raw: dict, where: str, columns: set, errors: list) -> Action | None:
    aid = str(raw.get("id") or "").strip()
    if not aid:
        errors.append(f"{where}: 缺少动作编号 id / action id missing")
        return None
    cost = _num(raw.get("cost"), where, errors, "cost")
    adds_raw = raw.get("adds")
    adds = {}
    if isinstance(adds_raw, str):  # CSV: field:amount;field:amount
        pairs = [p for p in adds_raw.replace("；", ";").split(";") if p.strip()]
        adds_raw = {}
        for p in pairs:
            if ":" not in p:
                errors.append(f"{where}: adds 的格式应为 字段:数量;字段:数量 / adds must be field:amount;...: {p!r}")
                continue
            k, v = p.split(":", 1)
            adds_raw[k.strip()] = v.strip()
    if not isinstance(adds_raw, dict) or not adds_raw:
        errors.append(f"{where}: 动作 {aid} 缺少 adds（每单位增加哪些字段）/ action {aid}: adds missing")
        return None
    for k, v in adds_raw.items():
        if k not in columns:
            errors.append(f"{where}: 动作 {aid} 的字段 {k!r} 不是学校数据的列 id / {k!r} is not a school column id")
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            errors.append(f"{where}: 动作 {aid} 字段 {k} 的数量应为数值 / amount must be a number: {v!r}")
            continue
        if not math.isfinite(x) or x == 0:
            errors.append(f"{where}: 动作 {aid} 字段 {k} 的数量应为非零有限数 / amount must be finite and non-zero")
            continue
        adds[k] = x
    mx = raw.get("max_per_school")
    mxv = math.inf if mx in (None, "") else _num(mx, where, errors, "max_per_school", allow_inf=True)
    cap = _cap(raw.get("cap"), raw.get("cap_with_plan"), aid, where, columns, errors)
    if cost is None or not adds:
        return None
    return Action(aid, str(raw.get("name") or aid), str(raw.get("unit") or ""), cost,
                  _bool(raw.get("integer", False)), adds, math.inf if mxv is None else mxv, cap or None)


def _cap(cap, with_plan, aid, where, columns, errors) -> dict | None:
    """``{field: column or [columns], minus: column, with_plan: bool}`` (CSV: ``a+b-minus`` and a
    ``cap_with_plan`` column); ``field`` is kept as a list of column ids."""
    if cap in (None, ""):
        return None
    if isinstance(cap, str):  # CSV: field+field-minus
        head, _, minus = cap.partition("-")
        cap = {"field": [p.strip() for p in head.split("+")], "minus": minus.strip() or None,
               "with_plan": _bool(with_plan) if with_plan not in (None, "") else False}
    fields = cap.get("field") if isinstance(cap, dict) else None
    fields = [fields] if isinstance(fields, str) else fields
    if not isinstance(fields, list) or not fields or any(f not in columns for f in fields) or \
            (cap.get("minus") not in (None, "") and cap.get("minus") not in columns):
        errors.append(f"{where}: 动作 {aid} 的 cap 应为 {{field: 列id 或 [列id, …], minus: 列id}} / "
                      "cap must name school columns")
        return None
    return {"field": fields, "minus": cap.get("minus") or None, "with_plan": _bool(cap.get("with_plan", False))}


def _rows_csv(text: str) -> list[dict]:
    return [{k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in r.items() if k}
            for r in csv.DictReader(text.splitlines())]


def load_costs(path, columns) -> CostFile:
    """Read and check a cost file; ``columns``: the school column ids an action may add to.
    Raises InputError listing every problem (file, entry, key)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc}") from exc
    return parse_costs(data, str(path), columns)


def parse_costs(data: bytes, path: str, columns) -> CostFile:
    """A cost file given as bytes; ``path`` is the name its errors are located by (the workbench gives
    the name the user uploaded it as, never a server path). YAML unless the name ends in ``.csv``."""
    p = Path(path)
    if len(data) > MAX_BYTES:
        raise InputError(f"{path}: 文件过大 / file too large (> {MAX_BYTES} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: 不是 UTF-8 文本 / not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    errors: list[str] = []
    columns = set(columns)
    meta: dict = {}
    if p.suffix.lower() == ".csv":
        rows = _rows_csv(text)
        acts = [(f"{path}:第{i + 2}行 row {i + 2}", r) for i, r in enumerate(rows) if not r.get("school_id")]
        lims = [(f"{path}:第{i + 2}行 row {i + 2}", r) for i, r in enumerate(rows) if r.get("school_id")]
    else:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            loc = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            raise InputError(f"{loc}: YAML 语法错误 / YAML syntax error: {getattr(exc, 'problem', exc)}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("actions"), list):
            raise InputError(f"{path}: 应含 actions 列表 / an `actions` list is required")
        meta = {k: v for k, v in doc.items() if k not in ("actions", "limits")}
        acts = [(f"{path}: actions[{i}]", a if isinstance(a, dict) else {}) for i, a in enumerate(doc["actions"])]
        lims = [(f"{path}: limits[{i}]", a if isinstance(a, dict) else {})
                for i, a in enumerate(doc.get("limits") or [])]
    if len(acts) > MAX_ACTIONS:
        raise InputError(f"{path}: 动作过多 / too many actions (> {MAX_ACTIONS})")
    actions, seen = [], set()
    for where, raw in acts:
        a = _action(raw, where, columns, errors)
        if a is None:
            continue
        if a.id in seen:
            errors.append(f"{where}: 动作编号重复 / duplicate action id {a.id}")
            continue
        seen.add(a.id)
        actions.append(a)
    limits = {}
    for where, raw in lims:
        sid, aid = str(raw.get("school_id") or "").strip(), str(raw.get("action") or "").strip()
        if not sid or aid not in seen:
            errors.append(f"{where}: 限制须给出 school_id 和已定义的 action / a limit needs school_id and a defined "
                          f"action: {sid!r}, {aid!r}")
            continue
        allowed = raw.get("allowed")
        mx = 0.0 if allowed is not None and allowed != "" and not _bool(allowed) else \
            _num(raw.get("max"), where, errors, "max", allow_inf=True)
        if mx is not None:
            limits[(sid, aid)] = mx
    if not actions and not errors:
        errors.append(f"{path}: 没有动作 / no actions")
    if errors:
        raise InputError(f"成本文件有 {len(errors)} 处错误 / {len(errors)} error(s) in the cost file:\n"
                         + "\n".join(errors))
    return CostFile(str(path), actions, limits, meta)
