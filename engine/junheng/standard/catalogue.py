"""The field catalogue: canonical record field ids, Chinese labels, types, units.

A *field* is a concept (``students``); a *column* is what a file holds (``students_primary``).
Per-stage fields have one column per stage; split fields have a whole-school column and optional
per-stage columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from junheng.paths import standards_dir
from junheng.standard.yamlsafe import LocDict, load_yaml_file

NUMERIC_TYPES = {"count", "number", "money", "percent", "year", "score"}
TABLES = ("school", "county")
STAGE_LABELS = {"primary": "小学", "junior": "初中", "senior": "高中"}


@dataclass
class FieldDef:
    id: str
    table: str  # school | county
    type: str
    label: str = ""
    label_en: str = ""
    unit: str = ""
    values: list[str] = field(default_factory=list)
    per_stage: list[str] = field(default_factory=list)
    split: bool = False
    action: str = ""  # a change the county can make (teachers, area, …); "" = never suggested
    required: bool = False
    labels: dict[str, str] = field(default_factory=dict)  # per-stage labels
    aliases: list[str] = field(default_factory=list)
    stage_aliases: dict[str, list[str]] = field(default_factory=dict)
    loc: object = None
    overrode: list = field(default_factory=list)  # where the redefined field was (override: true in a standard)
    labels_en: dict[str, str] = field(default_factory=dict)  # per-stage labels in English

    def label_in(self, lang: str = "zh", stage: str | None = None) -> str:
        """The label a reader sees: of the column of ``stage`` when given (a per-stage or split field's
        column), else of the field; English from ``label_en`` / ``labels_en`` (the id as words if none)."""
        if lang != "en":
            if stage is not None:
                return self.labels.get(stage) or f"{self.label}（{STAGE_LABELS.get(stage, stage)}）"
            return self.label or (next(iter(self.labels.values())) if self.labels else self.id)
        if stage is not None and self.labels_en.get(stage):
            return self.labels_en[stage]
        base = self.label_en or self.id.replace("_", " ")
        return f"{base} ({stage})" if stage is not None else base

    @property
    def kind(self) -> str:
        """Value kind in expressions: num, bool or text."""
        if self.type in NUMERIC_TYPES:
            return "num"
        if self.type == "bool":
            return "bool"
        return "text"

    def columns(self) -> list["Column"]:
        cols = []
        if self.per_stage:
            for s in self.per_stage:
                cols.append(Column(f"{self.id}_{s}", self, s, self.label_in("zh", s), self.stage_aliases.get(s, [])))
        else:
            cols.append(Column(self.id, self, None, self.label or self.id, list(self.aliases)))
            if self.split:
                for s in ("primary", "junior"):
                    cols.append(Column(f"{self.id}_{s}", self, s, f"{self.label}（{STAGE_LABELS[s]}）", []))
        return cols


@dataclass
class Column:
    id: str
    field: FieldDef
    stage: str | None
    label: str
    aliases: list[str]


def field_from_yaml(fid: str, spec: dict, table: str, loc=None) -> FieldDef:
    aliases = spec.get("aliases") or []
    stage_aliases = {}
    if isinstance(aliases, dict):
        stage_aliases = {k: list(v) for k, v in aliases.items()}
        aliases = []
    return FieldDef(
        id=fid, table=table, type=spec.get("type", "number"), label=spec.get("label", ""),
        label_en=spec.get("label_en", ""), unit=spec.get("unit", ""), values=list(spec.get("values") or []),
        per_stage=list(spec.get("per_stage") or []), split=bool(spec.get("split", False)),
        action=str(spec.get("action") or ""),
        required=bool(spec.get("required", False)), labels=dict(spec.get("labels") or {}),
        aliases=list(aliases), stage_aliases=stage_aliases, loc=loc, labels_en=dict(spec.get("labels_en") or {}),
    )


@dataclass
class Catalogue:
    fields: dict[str, dict[str, FieldDef]]  # table -> id -> FieldDef

    def get(self, table: str, fid: str) -> FieldDef | None:
        return self.fields.get(table, {}).get(fid)

    def find(self, fid: str) -> FieldDef | None:
        for table in TABLES:
            f = self.fields[table].get(fid)
            if f is not None:
                return f
        return None

    def columns(self, table: str) -> list[Column]:
        return [c for f in self.fields[table].values() for c in f.columns()]

    def with_extra(self, extra: dict[str, dict[str, FieldDef]]) -> "Catalogue":
        merged = {t: dict(self.fields[t]) for t in TABLES}
        for t, defs in extra.items():
            merged[t].update(defs)
        return Catalogue(merged)


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> Catalogue:
    p = Path(path) if path else standards_dir() / "fields.yaml"
    data = load_yaml_file(p)
    fields = {}
    for table in TABLES:
        section = data.get(table) or {}
        locs = section.value_locs if isinstance(section, LocDict) else {}
        fields[table] = {fid: field_from_yaml(fid, spec, table, locs.get(fid)) for fid, spec in section.items()}
    return Catalogue(fields)
