"""Map column headers (ids, Chinese labels, close variants) to canonical column ids."""
from __future__ import annotations

import re
import unicodedata

from junheng.standard.catalogue import Catalogue

# unit suffixes seen on real forms; the value is the factor to yuan / base unit
UNIT_FACTORS = {"万元": 10000.0, "元": 1.0, "平方米": 1.0, "m2": 1.0, "m²": 1.0, "㎡": 1.0, "人": 1.0, "间": 1.0,
                "个": 1.0, "台": 1.0, "册": 1.0, "%": 1.0, "分": 1.0, "年": 1.0}
_UNIT_RE = re.compile(r"[（(]\s*(万元|元|平方米|m2|m²|㎡|人|间|个|台|册|%|分|年)\s*[)）]$")
_UNIT_TAIL_RE = re.compile(r"(?:[/／]|单位[:：]?)(万元|元|平方米|人|间|个)$")


_REQUIRED_MARK_RE = re.compile(r"^\*+|\*+$|\((必填|选填|required)\)$")


def norm(text) -> str:
    """Normalise a header or label for matching: NFKC (full-width → ASCII), no spaces, lower case,
    no required mark (``*学校代码``, ``学校代码（必填）``)."""
    t = unicodedata.normalize("NFKC", str(text))
    t = re.sub(r"\s+", "", t)
    t = t.replace("（", "(").replace("）", ")")
    t = _REQUIRED_MARK_RE.sub("", t)
    return t.lower()


def split_unit(header: str) -> tuple[str, str | None]:
    """'教学仪器设备资产值（万元）' → ('教学仪器设备资产值', '万元')."""
    h = unicodedata.normalize("NFKC", str(header)).strip()
    h = _REQUIRED_MARK_RE.sub("", re.sub(r"\s+", "", h))
    m = _UNIT_RE.search(h) or _UNIT_TAIL_RE.search(h)
    if m:
        return h[: m.start()].strip(), m.group(1)
    return h, None


# Headers of per-stage fields that carry no stage (the real form's 专任教师总人数, 体育专任教师人数...)
# map to a pseudo column; records.py gives the value to the school's only stage. ``parts`` aliases
# are summed first (体育/音乐/美术/艺术交流轮岗教师人数 → visiting_pe_art_teachers).
UNSTAGED, PARTS = "unstaged:", "parts:"
# class-size bands of the real form: 每班25人以下 / 每班46-50人 / 每班66人以上 班级个数
BAND_RE = re.compile(r"^每班(?:(\d+)人以下|(\d+)-(\d+)人|(\d+)人(?:以上|及以上))班级(?:个)?数$")


def class_band(header) -> tuple[int, float] | None:
    """'每班46-50人班级个数' → (46, 50); '每班66人以上班级个数' → (66, inf); else None."""
    m = BAND_RE.match(norm(header))
    if not m:
        return None
    if m.group(1):
        return 0, float(m.group(1))
    if m.group(2):
        return int(m.group(2)), float(m.group(3))
    return int(m.group(4)), float("inf")


class HeaderMap:
    def __init__(self, catalogue: Catalogue, table: str):
        self.table = table
        self.lookup: dict[str, str] = {}
        self.units: dict[str, str] = {}
        for col in catalogue.columns(table):
            self.units[col.id] = col.field.unit
            for name in [col.id, col.label, *col.aliases]:
                if name:
                    self.lookup.setdefault(norm(name), col.id)
                    base, _ = split_unit(name)
                    self.lookup.setdefault(norm(base), col.id)
        for f in catalogue.fields[table].values():
            for kind, prefix in (("unstaged", UNSTAGED), ("parts", PARTS)):
                for name in f.stage_aliases.get(kind, []):
                    self.units[prefix + f.id] = f.unit
                    self.lookup.setdefault(norm(name), prefix + f.id)
                    base, _ = split_unit(name)
                    self.lookup.setdefault(norm(base), prefix + f.id)

    def match(self, header) -> tuple[str | None, float]:
        """Return (column id, factor) for a header, or (None, 1)."""
        if header is None:
            return None, 1.0
        h = str(header)
        cid = self.lookup.get(norm(h))
        unit = None
        if cid is None:
            base, unit = split_unit(h)
            cid = self.lookup.get(norm(base))
        if cid is None:
            return None, 1.0
        factor = 1.0
        if unit == "万元" and self.units.get(cid) == "元":
            factor = 10000.0
        return cid, factor
