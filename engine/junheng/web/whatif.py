"""What-if editing of thresholds: edits → a child standard file → the same checks as ``junheng check``
→ evaluation on records already read → the verdicts that change → saved as a file that ``extends``
the edited standard.

Nothing here knows about HTTP; the workbench (``engine.web.app``) and the tests call it directly.
The file shown in the preview and the file saved are the same text, so an error reported while
typing carries the line and column ``junheng check`` would report for the saved file.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from junheng.errors import StandardError
from junheng.i18n import Msg, localize
from junheng.standard.registry import is_standard_id, resolve_standard
from junheng.standard.provenance import STATUSES
from junheng.standard.model import Standard
from junheng.standard.model import parse_date
from junheng.standard.loader import names_in
from junheng.standard.catalogue import load_catalogue
from junheng.standard.checker import compile_standard
from junheng.standard.loader import load_standard
from junheng.atomic import atomic_open

SOURCE_STATUSES = STATUSES  # what a save may declare: the statuses the catalogue has words for
DOC_ID = "whatif-basis"
MAX_TEXT = 2000
PREVIEW_ID = "whatif/preview"


@dataclass
class Meta:
    """What a saved change must say about itself."""

    new_id: str = ""
    title: str = ""
    jurisdiction: str = ""
    reason: str = ""
    document: str = ""
    article: str = ""
    source_status: str = ""

    @classmethod
    def from_json(cls, d: dict | None) -> "Meta":
        d = d or {}
        return cls(**{k: _clean_text(d.get(k, "")) for k in cls.__dataclass_fields__})


@dataclass
class Problem:
    """A message for one field of the form (``field`` = ``param:R1_min:primary``, ``meta:reason``, or ``""``)."""

    field: str
    message: str
    where: str = ""

    def to_json(self, lang: str = "zh") -> dict:
        return {"field": self.field, "message": localize(self.message, lang), "where": self.where}


@dataclass
class Child:
    text: str
    param_lines: dict  # parameter id -> first line of its block in the text
    changes: dict  # parameter id -> {"*": v} or {stage: v}
    problems: list = field(default_factory=list)


def _clean_text(v) -> str:
    s = "" if v is None else str(v)
    s = "".join(ch for ch in s if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return s.strip()[:MAX_TEXT]


# ------------------------------------------------------------------ the form

def parse_day(text: str):
    """An as-of date typed in a form (empty: none)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return parse_date(text)
    except Exception:  # parse_date raises its own error kinds; the form shows one message
        raise ValueError(Msg("web.bad_date", text=text)) from None


def current_cells(p, day) -> dict | None:
    """The value of a parameter in force on ``day`` as {stage: v}, or {"*": v} when it is not per stage."""
    cur = p.in_force(day)
    if cur is None:
        return None
    return dict(cur.values) if cur.values is not None else {"*": cur.value}


def existing(std_id: str, dirs):
    """The file a standard id already names on the search path, or None."""
    try:
        return resolve_standard(std_id, dirs)
    except StandardError:
        return None


def editable_parameters(std: Standard, as_of, lang: str = "zh") -> list[dict]:
    """Every parameter with the value in force on ``as_of``, per stage where it is per stage, and the
    rules that use it."""
    users: dict = {}
    for r in std.rules.values():
        for n in names_in(r):
            if n in std.parameters:
                users.setdefault(n, []).append(r.id)
    out = []
    for p in std.parameters.values():
        cur = p.in_force(as_of)
        if cur is None:
            continue
        cells = [{"stage": s, "label": std.stage_label(s, lang) if s != "*" else "", "value": v}
                 for s, v in current_cells(p, as_of).items()]
        cit = cur.citation or p.citation
        out.append({"id": p.id, "name": (p.name_en if lang == "en" and p.name_en else p.name) or p.id,
                    "unit": p.unit, "cells": cells, "citation": str(cit) if cit else "",
                    "source_status": cur.source_status or p.source_status or "",
                    "set_at": str(cur.origin) if cur.origin else "", "rules": sorted(users.get(p.id, [])),
                    "versions": len(p.versions)})
    return out


def parse_number(text) -> float | None:
    """A threshold typed in a form: half- or full-width digits, thousands separators allowed."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        v = float(text)
    else:
        s = unicodedata.normalize("NFKC", str(text or "")).strip().replace(",", "").replace("，", "")
        if not s:
            return None
        try:
            v = float(s)
        except ValueError:
            return None
    return v if math.isfinite(v) else None


def parse_edits(std: Standard, as_of, edits: dict) -> tuple[dict, list]:
    """Form values → changes that differ from the values in force; every bad cell reported.

    ``edits``: {parameter id: {stage or "*": text}}. Cells left as they were are not changes."""
    changes, problems = {}, []
    if not isinstance(edits, dict):
        return {}, [Problem("", Msg("web.malformed_edits"))]
    for pid, cells in edits.items():
        p = std.parameters.get(pid)
        old = current_cells(p, as_of) if p is not None else None
        if old is None or not isinstance(cells, dict):
            problems.append(Problem(f"param:{pid}", Msg("web.no_param", id=pid)))
            continue
        new, bad = dict(old), False
        for stage, text in cells.items():
            key = f"param:{pid}:{stage}"
            if stage not in old:
                problems.append(Problem(key, Msg("web.no_stage", id=pid, stage=stage)))
                bad = True
                continue
            v = parse_number(text)
            if v is None:
                problems.append(Problem(key, Msg("web.not_number", text=_clean_text(text)[:40])))
                bad = True
                continue
            if v < 0:
                problems.append(Problem(key, Msg("web.negative")))
                bad = True
                continue
            new[stage] = v
        if not bad and any(not _same(new[s], old[s]) for s in old):
            changes[pid] = new
    return changes, problems


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(a)), abs(float(b)))


def check_meta(meta: Meta, dirs, for_save: bool, base: Standard | None = None) -> list:
    """The fields a saved change needs; an id must be new (no file anywhere on the search path). A new id
    in another jurisdiction's folder (``hebei/...`` from ``national/...``) must not keep the base's
    jurisdiction: the saved file would call a Hebei standard 全国."""
    out = []
    if not is_standard_id(meta.new_id):
        out.append(Problem("meta:new_id", Msg("web.bad_new_id")))
    else:
        found = existing(meta.new_id, dirs)
        if found is not None:
            out.append(Problem("meta:new_id", Msg("web.id_exists_at", id=meta.new_id, at=str(found))))
        if base is not None and meta.jurisdiction and _folder(meta.new_id) != _folder(base.id) \
                and meta.jurisdiction == base_jurisdiction(base):
            out.append(Problem("meta:jurisdiction", Msg("web.jurisdiction_same", folder=_folder(meta.new_id),
                                                        base=base.id, name=meta.jurisdiction)))
    if for_save:
        if not meta.title:
            out.append(Problem("meta:title", Msg("web.need_title")))
        if not meta.jurisdiction:
            out.append(Problem("meta:jurisdiction", Msg("web.need_jurisdiction")))
        if not meta.reason:
            out.append(Problem("meta:reason", Msg("web.need_reason")))
        if not meta.document:
            out.append(Problem("meta:document", Msg("web.need_document")))
        if meta.source_status not in SOURCE_STATUSES:
            out.append(Problem("meta:source_status", Msg("web.need_status")))
    return out


def _folder(sid: str) -> str:
    return sid.split("/", 1)[0]


def base_jurisdiction(base: Standard) -> str:
    """The jurisdiction name of a standard (the form's default for a new standard in the same folder)."""
    return str((base.jurisdiction or {}).get("name", "") or "")


# ------------------------------------------------------------------ the file

def _q(s: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def _num(v: float) -> str:
    """A number as YAML reads it back as a number: ``1e+20`` is a string to YAML 1.1 (no dot), so
    exponent forms are written ``1.0e+20``."""
    f = float(v)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    text = repr(f)
    if "e" in text and "." not in text.split("e")[0]:
        mant, exp = text.split("e")
        text = f"{mant}.0e{exp}"
    return text


def child_text(base: Standard, as_of, changes: dict, meta: Meta, today: dt.date | None = None) -> Child:
    """The YAML of a standard that extends ``base`` and overrides the changed parameters.

    An override without dates replaces every dated version of the parameter (the workbench edits
    the value in force on the chosen date and says so)."""
    today = today or dt.date.today()
    new_id = meta.new_id if is_standard_id(meta.new_id) else PREVIEW_ID
    reason = meta.reason or "（试算，尚未填写理由）"
    status = meta.source_status if meta.source_status in SOURCE_STATUSES else "secondary"
    lines = [f"# 由 junheng 工作台生成，{today.isoformat()} / generated by the junheng workbench",
             f"# 在 {base.id} 的基础上修改 {len(changes)} 个参数（评估日期 {as_of.isoformat() if as_of else '未指定'} "
             f"时生效的取值）。"]
    lines += [f"# 修改理由：{line}" for line in reason.splitlines() or [""]]
    lines += [f"id: {new_id}",
              f"title: {_q(meta.title or (base.title + '（调整）'))}",
              f"jurisdiction: {{name: {_q(meta.jurisdiction or base_jurisdiction(base) or base.id)}}}",
              f"version: {_q(str(base.version or ''))}",
              f"extends: {base.id}",
              "",
              "documents:",
              f"  {DOC_ID}:",
              f"    title: {_q(meta.document or '（试算，尚未填写依据文件）')}",
              f"    source_status: {status}",
              f"    note: {_q(reason)}",
              "",
              "parameters:"]
    param_lines = {}
    for pid, new in changes.items():
        p = base.parameters[pid]
        was, now = _cells_text(base, current_cells(p, as_of)), _cells_text(base, new)
        param_lines[pid] = len(lines) + 1
        lines.append(f"  {pid}:")
        lines.append("    override: true")
        if "*" in new:
            lines.append(f"    value: {_num(new['*'])}")
        else:
            lines.append("    values: {" + ", ".join(f"{s}: {_num(v)}" for s, v in new.items()) + "}")
        cit = f"    citation: {{document: {DOC_ID}"
        if meta.article:
            cit += f", article: {_q(meta.article)}"
        lines.append(cit + "}")
        lines.append(f"    source_status: {status}")
        lines.append(f"    note: {_q(f'由 {was} 改为 {now}（{p.unit}）' if p.unit else f'由 {was} 改为 {now}')}")
    if not changes:
        lines[-1] = "parameters: {}"
    return Child("\n".join(lines) + "\n", param_lines, changes)


def _cells_text(base: Standard, cells: dict) -> str:
    """``小学 4.5、初中 5.8`` (or ``6`` for a value that is not per stage)."""
    return "、".join(_num(v) if s == "*" else f"{base.stage_label(s)} {_num(v)}" for s, v in cells.items())


def load_child(child: Child, new_id: str, folder: Path, dirs) -> tuple:
    """Write the text at ``<folder>/<id>.yaml`` and run the loader and the static checker on it.

    Returns (standard, problems). Problems carry ``file:line:col`` with the file named as it will
    be saved (``<id>.yaml``) and point at the parameter whose block holds the line."""
    sid = new_id if is_standard_id(new_id) else PREVIEW_ID
    path = folder / f"{sid}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(child.text, encoding="utf-8")
    try:
        std = load_standard(str(path), list(dirs), collect=True)
        compile_standard(std, load_catalogue())
    except StandardError as exc:
        return None, [_located(e, path, sid, child) for e in exc.errors]
    return std, []


def _located(err, path: Path, sid: str, child: Child) -> Problem:
    loc = getattr(err, "loc", None)
    same = loc is not None and Path(str(loc.file)).name == path.name
    line = getattr(loc, "line", None) if same else None
    fld = ""
    if line:
        owner = [pid for pid, first in child.param_lines.items() if first <= line]
        fld = f"param:{owner[-1]}" if owner else ""
    where = f"{sid}.yaml:{line}:{getattr(loc, 'col', 0) or 1}" if line else (str(loc) if loc else "")
    message = getattr(err, "message", None) or str(err)
    return Problem(fld, message, where)


def scratch_folder(root: Path) -> Path:
    d = Path(root) / f"whatif-{secrets.token_hex(6)}"
    d.mkdir(parents=True)
    return d


def save_child(child: Child, meta: Meta, save_dir: Path, dirs) -> Path:
    """Write the checked text at ``<save_dir>/<new id>.yaml`` (never outside it, never over a file)."""
    if not is_standard_id(meta.new_id):
        raise ValueError("invalid id")
    root = Path(save_dir).resolve()
    target = (root / f"{meta.new_id}.yaml").resolve()
    target.relative_to(root)  # ValueError if it would leave the folder
    target.parent.mkdir(parents=True, exist_ok=True)

    # written whole or not at all (temp file, fsync, link); never over an existing file (FileExistsError)
    with atomic_open(target, "w", encoding="utf-8", newline="\n", exclusive=True) as fh:
        fh.write(child.text)
    return target


def suggest_id(base: Standard, dirs) -> str:
    head, _, tail = base.id.rpartition("/")
    for n in range(1, 100):
        cand = f"{head}/{tail}-whatif" + ("" if n == 1 else f"-{n}")
        if existing(cand, dirs) is None:
            return cand
    return f"{head}/{tail}-whatif-{secrets.token_hex(3)}"
