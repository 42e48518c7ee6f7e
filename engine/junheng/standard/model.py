"""The standard model: what a standard file says, resolved through its ``extends`` chain.

Every parameter and rule remembers the file:line that set it and what it overrode, so that a
verdict can cite where its threshold came from.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from junheng.language import nodes as ast
from junheng.errors import ErrorList, Loc
from junheng.i18n import Msg
from junheng.language.parser import ExprSyntaxError, parse_expression

LEVELS = ("stage", "school", "county")


def parse_date(value, end: bool = False) -> dt.date | None:
    """Dates may be given as YYYY, YYYY-MM or YYYY-MM-DD; a partial date covers its whole span."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)
    if len(parts) == 2:
        y, m = parts
        if not end:
            return dt.date(y, m, 1)
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return dt.date(*parts)


@dataclass
class Window:
    start: dt.date | None = None
    end: dt.date | None = None
    note: str = ""

    def contains(self, day: dt.date | None) -> bool:
        if day is None:
            return self.end is None  # no as-of date: what is in force with no end date
        if self.start and day < self.start:
            return False
        if self.end and day > self.end:
            return False
        return True

    def to_json(self) -> dict:
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None}

    def __str__(self) -> str:
        a = self.start.isoformat() if self.start else "…"
        b = self.end.isoformat() if self.end else "…"
        return f"{a} ~ {b}"


@dataclass
class Citation:
    document: str
    article: str = ""
    source_status: str = ""
    note: str = ""
    document_number: str = ""
    document_title: str = ""

    def to_json(self) -> dict:
        return {"document": self.document_number or self.document, "document_id": self.document,
                "title": self.document_title, "article": self.article, "source_status": self.source_status}

    def __str__(self) -> str:
        doc = self.document_number or self.document
        if self.document_title:
            doc = f"《{self.document_title}》{self.document_number}"
        parts = [doc]
        if self.article:
            parts.append(self.article)
        if self.source_status:
            parts.append(f"[{self.source_status}]")
        return " ".join(parts)


@dataclass
class Expr:
    text: str
    node: ast.Node
    loc: Loc  # position of the first character of the expression in its file

    def loc_of(self, node: ast.Node) -> Loc:
        if node.line <= 1:
            return Loc(self.loc.file, self.loc.line, self.loc.col + node.col - 1)
        return Loc(self.loc.file, self.loc.line + node.line - 1, node.col)


# an expression that may differ by stage: {"*": Expr} or {"primary": Expr, "junior": Expr}
StageExprs = dict


@dataclass
class ParamVersion:
    value: float | None
    values: dict | None
    window: Window
    citation: Citation | None
    source_status: str
    origin: Loc
    note: str = ""

    def value_for(self, stage: str | None):
        if self.values is not None:
            return self.values.get(stage) if stage else None
        return self.value


@dataclass
class Parameter:
    id: str
    name: str = ""
    name_en: str = ""
    unit: str = ""
    versions: list[ParamVersion] = field(default_factory=list)
    citation: Citation | None = None
    source_status: str = ""
    note: str = ""
    origin: Loc | None = None
    overrode: list[Loc] = field(default_factory=list)

    @property
    def per_stage(self) -> bool:
        return any(v.values is not None for v in self.versions)

    def in_force(self, day) -> ParamVersion | None:
        hits = [v for v in self.versions if v.window.contains(day)]
        if not hits:
            return None
        # the most specific (latest start) version wins when windows nest
        return max(hits, key=lambda v: v.window.start or dt.date.min)

    def stages(self) -> set:
        out: set = set()
        for v in self.versions:
            if v.values:
                out.update(v.values)
        return out


@dataclass
class Derived:
    id: str
    level: str
    expr: StageExprs
    name: str = ""
    name_en: str = ""
    unit: str = ""
    origin: Loc | None = None
    kind: str = "num"  # num | bool (``type: condition``: a yes/no fact such as "in the resource scope")
    note: str = ""
    citation: Citation | None = None
    overrode: list[Loc] = field(default_factory=list)  # where the replaced definitions were (override: true)


@dataclass
class Rule:
    id: str
    level: str
    name: str
    citation: Citation | None
    name_en: str = ""
    per_stage: bool = False
    stages: list[str] | None = None
    area: str = ""
    description: str = ""
    unit: str = ""
    value: StageExprs | None = None
    operator: str | None = None
    threshold: StageExprs | None = None
    condition: StageExprs | None = None
    applies_when: Expr | None = None
    round: int | None = None
    window: Window = field(default_factory=Window)
    veto: bool = False
    note: str = ""
    origin: Loc | None = None
    overrode: list[Loc] = field(default_factory=list)
    record: bool = False  # a value recorded for information only: the standard sets no limit on it

    @property
    def kind(self) -> str:
        if self.value is not None:
            return "record" if self.record else "threshold"
        return "condition"

    @property
    def has_if(self) -> bool:
        """Whether the value or threshold holds an ``if`` (whose condition may be unknown)."""
        return exprs_have_if(self.value) or exprs_have_if(self.threshold)

    @property
    def space(self) -> str:
        """The row space the rule is evaluated in."""
        if self.level == "county" and self.per_stage:
            return "county_stage"
        return self.level

    def exprs(self):
        for part in ("value", "threshold", "condition"):
            d = getattr(self, part)
            if d:
                for stage, e in d.items():
                    yield part, stage, e
        if self.applies_when is not None:
            yield "applies_when", "*", self.applies_when


@dataclass
class ChainFile:
    id: str
    path: str  # as named in outputs: a bundled standard as standards/<id>.yaml
    sha256: str
    source: str = ""  # the file it was really loaded from (absolute)


@dataclass
class Standard:
    id: str
    title: str
    version: str
    jurisdiction: dict
    title_en: str = ""
    document: dict = field(default_factory=dict)
    window: Window = field(default_factory=Window)
    extends: str | None = None
    chain: list[ChainFile] = field(default_factory=list)  # root (national) first
    documents: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)  # stage -> {label, label_en}
    school_types: dict = field(default_factory=dict)  # type -> [stages]
    stage_weights: dict = field(default_factory=dict)  # type -> {stage: weight}
    stage_weights_citation: Citation | None = None
    # per-stage count fields whose whole-school value is split between stages by the weighted shares
    whole_school_counts: list = field(default_factory=list)
    rounding_mode: str = "half_up"
    tolerance: float = 1e-9
    extra_fields: dict = field(default_factory=dict)  # table -> {id: FieldDef}
    inputs: dict = field(default_factory=dict)  # table -> [field ids] (declared)
    parameters: dict = field(default_factory=dict)
    derived: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)  # id -> Rule, in file order
    removed: list = field(default_factory=list)
    path: str = ""
    loc: Loc | None = None
    load_errors: list = field(default_factory=list)  # expression syntax errors, reported with the checker's

    def eval_stages(self) -> list[str]:
        return list(self.stages)

    def rules_in_force(self, day) -> list[Rule]:
        return [r for r in self.rules.values() if r.window.contains(day) or (day is None and r.window.end is None)]

    def stage_label(self, stage, lang="zh") -> str:
        info = self.stages.get(stage, {})
        return info.get("label_en" if lang == "en" else "label", stage) if info else (stage or "")


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def expr_loc(container, key, lines: list[str]) -> Loc:
    """File position of the first character of an expression stored at container[key]."""
    if hasattr(container, "value_locs"):
        loc, style = container.value_locs.get(key), container.value_styles.get(key)
    else:
        loc, style = container.item_locs[key], container.item_styles[key]
    if style in ("'", '"'):
        return Loc(loc.file, loc.line, loc.col + 1)
    if style in ("|", ">"):
        line = loc.line + 1
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        indent = len(text) - len(text.lstrip(" "))
        return Loc(loc.file, line, indent + 1)
    return loc


def parse_expr(container, key, lines, errors: ErrorList) -> Expr | None:
    text = container[key]
    loc = expr_loc(container, key, lines)
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        errors.add(loc, Msg("parse.not_text"))
        return None
    text = str(text)
    try:
        node = parse_expression(text)
    except ExprSyntaxError as exc:
        e = Expr(text, ast.Number(0.0), loc)
        errors.add(e.loc_of(ast.Number(0.0, line=exc.line, col=exc.col)), exc.message, exc.text or text.strip()[:60])
        return None
    return Expr(text, node, loc)


def parse_stage_exprs(container, key, lines, errors) -> StageExprs | None:
    value = container[key]
    if isinstance(value, dict):
        out = {}
        for stage in value:
            e = parse_expr(value, stage, lines, errors)
            if e is not None:
                out[stage] = e
        return out
    e = parse_expr(container, key, lines, errors)
    return {"*": e} if e is not None else None


def exprs_have_if(exprs) -> bool:
    """Whether any of the per-stage expressions holds an ``if``."""
    return any(isinstance(n, ast.If) for e in (exprs or {}).values() for n in e.node.walk())
