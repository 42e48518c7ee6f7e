"""Map column headers (ids, Chinese labels, close variants) to canonical column ids."""
from __future__ import annotations

import re
import unicodedata

from .catalogue import Catalogue

# unit suffixes seen on real forms; the value is the factor to yuan / base unit
UNIT_FACTORS = {"万元": 10000.0, "元": 1.0, "平方米": 1.0, "m2": 1.0, "m²": 1.0, "㎡": 1.0, "人": 1.0, "间": 1.0,
                "个": 1.0, "台": 1.0, "册": 1.0, "%": 1.0, "分": 1.0, "年": 1.0}
_UNIT_RE = re.compile(r"[（(]\s*(万元|元|平方米|m2|m²|㎡|人|间|个|台|册|%|分|年)\s*[)）]$")
_UNIT_TAIL_RE = re.compile(r"(?:[/／]|单位[:：]?)(万元|元|平方米|人|间|个)$")


def norm(text) -> str:
    """Normalise a header or label for matching: NFKC (full-width → ASCII), no spaces, lower case."""
    t = unicodedata.normalize("NFKC", str(text))
    t = re.sub(r"\s+", "", t)
    t = t.replace("（", "(").replace("）", ")")
    return t.lower()


def split_unit(header: str) -> tuple[str, str | None]:
    """'教学仪器设备资产值（万元）' → ('教学仪器设备资产值', '万元')."""
    h = unicodedata.normalize("NFKC", str(header)).strip()
    m = _UNIT_RE.search(h) or _UNIT_TAIL_RE.search(h)
    if m:
        return h[: m.start()].strip(), m.group(1)
    return h, None


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
