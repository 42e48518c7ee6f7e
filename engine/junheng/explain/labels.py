"""Inputs in words: a field id as an expression reads it (``teachers_bachelor`` in a primary unit, the column
``students_junior``) → its catalogue label and unit, in Chinese or English (``本科学历专任教师人数（小学）``, 人);
a value with its unit, a yes/no fact in words. The plain view (plain.py) and the terminal explanation
(derivation.py) share it."""
from __future__ import annotations

from junheng.explain.counterfactual import UNIT_EN
from junheng.formatting import fmt_num
from junheng.i18n import t


def field_label(table, name: str, stage: str | None, lang: str) -> tuple[str, str]:
    """(label, unit) of ``name`` in the symbol table ``table`` for a unit of ``stage``; unit "?" marks a
    yes/no fact (``value_text`` says 是/否). A name that is not a field: (name, "")."""
    sym = table.get(name)
    if sym is None or sym.kind not in ("field", "column"):
        return name, ""
    if sym.kind == "column":
        col = sym.obj
        fd = col.field
        label = col.label if lang != "en" else fd.label_in("en", col.stage)
    else:
        fd = sym.obj
        label = fd.label_in(lang, stage if fd.per_stage else None)
    return label, "?" if fd.kind == "bool" else fd.unit


def value_text(v, unit: str, lang: str) -> str:
    """A value with its unit ("5 人"; in English the unit's English word, "684.4 m²", or none for a count of
    people); a yes/no fact in words; a missing value as "未填写"."""
    if isinstance(v, str):
        return v
    if unit == "?" and v in (0, 1):  # a yes/no fact
        return t(lang, "plain.yes" if v == 1 else "plain.no")
    if unit == "?":
        unit = ""
    if lang == "en":
        unit = UNIT_EN.get(unit, unit)
    text = fmt_num(v)
    return f"{text} {unit}".strip() if text != "—" else t(lang, "plain.missing")


def input_labels(table, names, stage: str | None, lang: str) -> dict:
    """field id -> [label, unit] for the inputs of one rule's explanation."""
    return {f: list(field_label(table, f, stage, lang)) for f in names}
