"""Static checks of a standard before any data is read.

Unknown names and functions, wrong argument counts or kinds, values used at the wrong level,
reference cycles: every problem is collected and reported as ``file:line:col`` at once.

Levels (row spaces): ``stage`` (one school stage), ``school``, ``county_stage`` (a county rule
evaluated once per stage) and ``county``. A value can be used at its own level or any finer one
(a county figure is the same for every school in it); going from finer to coarser needs an
aggregate such as ``all(...)``, ``sum(...)`` or ``weighted_cv(...)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from junheng.language import nodes as ast
from junheng.standard.catalogue import Catalogue, FieldDef, load_catalogue
from junheng.errors import ErrorList, Loc
from junheng.i18n import Msg
from junheng.language.functions import FUNCTIONS, RULE_REF_FUNCS, is_aggregate
from junheng.standard.model import Expr, Rule, Standard
from junheng.evaluation.logic import ROUND_DIGITS_MAX
from junheng.standard.rootcause import count_uses, kind_root_message
from junheng.standard.suggest import closest

SPACES = ("stage", "school", "county_stage", "county")
STAGE_SPACES = ("stage", "county_stage")
# which value levels can be used directly (broadcast) in each space
USABLE = {
    "stage": {"const", "stage", "school", "county_stage", "county"},
    "school": {"const", "school", "county"},
    "county_stage": {"const", "county_stage", "county"},
    "county": {"const", "county"},
}
# which finer levels an aggregate in each space may reduce
FINER = {"stage": set(), "school": {"stage"}, "county_stage": {"stage", "school"},
         "county": {"stage", "school", "county_stage"}}
LEVEL_NAMES = {"stage": Msg("level.stage"), "school": Msg("level.school"), "county_stage": Msg("level.county_stage"),
               "county": Msg("level.county"), "const": Msg("level.const")}


def meet(a: str, b: str) -> str:
    """The coarsest space in which values of both levels are available."""
    if a == b or b == "const":
        return a
    if a == "const":
        return b
    if a == "county":
        return b
    if b == "county":
        return a
    return "stage"


@dataclass
class Sym:
    name: str
    kind: str  # field | column | param | derived | rule | builtin
    level: str  # const | stage | school | county_stage | county
    vkind: str | None  # num | bool | text; None: unknown (a derived value of the wrong kind, reported once)
    needs_stage: bool = False
    stages: set | None = None  # stages for which the symbol has a value (None = all)
    obj: object = None


class SymbolTable:
    def __init__(self, std: Standard, catalogue: Catalogue, errors: ErrorList | None = None):
        self.std = std
        self.catalogue = catalogue.with_extra(std.extra_fields)
        self.syms: dict[str, Sym] = {}
        errors = errors if errors is not None else ErrorList()
        self._add(Sym("stage", "builtin", "const", "text", needs_stage=True), None, errors)
        for table in ("school", "county"):
            for _fid, fd in self.catalogue.fields[table].items():
                self._add_field(fd, errors)
        for pid, p in std.parameters.items():
            self._add(Sym(pid, "param", "const", "num", needs_stage=p.per_stage,
                          stages=p.stages() if p.per_stage else None, obj=p), p.origin, errors)
        for did, d in std.derived.items():
            level = d.level
            self._add(Sym(did, "derived", level, d.kind, obj=d,
                          stages=None if "*" in d.expr else set(d.expr)), d.origin, errors)
        for rid, r in std.rules.items():
            self._add(Sym(rid, "rule", r.space, "bool", obj=r, stages=set(r.stages) if r.stages else None),
                      r.origin, errors)

    def _add(self, sym: Sym, loc, errors: ErrorList):
        old = self.syms.get(sym.name)
        if old is not None and old.kind not in ("field", "column"):
            errors.add(loc or Loc(self.std.path), Msg("check.name_taken", name=sym.name, kind=_kind_zh(old.kind)),
                       sym.name)
            return
        if old is not None and sym.kind in ("field", "column"):
            return  # a field name repeated across tables: first (school) wins
        self.syms[sym.name] = sym

    def _add_field(self, fd: FieldDef, errors):
        if fd.table == "school":
            if fd.per_stage:
                self._add(Sym(fd.id, "field", "stage", fd.kind, stages=set(fd.per_stage), obj=fd), fd.loc, errors)
            else:
                self._add(Sym(fd.id, "field", "school", fd.kind, obj=fd), fd.loc, errors)
        else:
            if fd.per_stage:
                self._add(Sym(fd.id, "field", "county", fd.kind, needs_stage=True, stages=set(fd.per_stage),
                              obj=fd), fd.loc, errors)
            else:
                self._add(Sym(fd.id, "field", "county", fd.kind, obj=fd), fd.loc, errors)
        for col in fd.columns():
            if col.id != fd.id:
                level = "school" if fd.table == "school" else "county"
                self._add(Sym(col.id, "column", level, fd.kind, obj=col), fd.loc, errors)

    def get(self, name: str) -> Sym | None:
        return self.syms.get(name)

    def names(self, *kinds: str) -> list:
        """The names of the given kinds (all when none given): the choices of 'did you mean'."""
        return [n for n, s in self.syms.items() if not kinds or s.kind in kinds]

    def field_by_label(self, label: str) -> str | None:
        """The field id whose Chinese label is ``label`` (a label written where the id belongs)."""
        for table in ("school", "county"):
            for fid, fd in self.catalogue.fields[table].items():
                if label in (fd.label, *fd.labels.values()):
                    return fid
        return None


def guess_text(name: str, choices) -> str:
    """'，是不是 X？' for the closest known name, or ''."""
    guess = closest(name, choices)
    return Msg("check.did_you_mean", guess=guess) if guess else ""


def _kind_zh(kind: str) -> str:
    keys = {"param": "kind.param", "derived": "kind.derived", "rule": "kind.rule", "builtin": "kind.builtin",
            "field": "kind.field", "column": "kind.field"}
    return Msg(keys[kind]) if kind in keys else kind


def natural_level(node: ast.Node, table: SymbolTable) -> str:
    """The finest level referenced by ``node`` outside nested aggregates."""
    level = "const"
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Call) and is_aggregate(n.func, len(n.args)):
            continue  # an aggregate adapts to the space it is used in
        if isinstance(n, ast.Call) and n.func in RULE_REF_FUNCS and n.args and isinstance(n.args[0], ast.Name):
            sym = table.get(n.args[0].id)
            if sym is not None:
                level = meet(level, sym.level)
            continue
        if isinstance(n, ast.Call) and n.func == "in_force":
            continue
        if isinstance(n, ast.Name):
            sym = table.get(n.id)
            if sym is not None:
                level = meet(level, sym.level)
            continue
        stack.extend(n.children())
    return level


@dataclass
class RuleDeps:
    rules: set = field(default_factory=set)
    derived: set = field(default_factory=set)
    fields: set = field(default_factory=set)  # field / column names read directly
    params: set = field(default_factory=set)


@dataclass
class Compiled:
    std: Standard
    table: SymbolTable
    order: list  # evaluation order of ("derived"|"rule", id)
    deps: dict  # id -> RuleDeps (direct)
    inputs: dict  # rule/derived id -> set of field names read, through derived fields
    rules: list  # Rule objects in force, in file order
    as_of: object = None


# functions with a check of their own (``_ExprChecker._Call``); round only with its digits argument
_SPECIAL_CALLS = {"in_force": "_in_force_call", "at_least": "_rule_list_func", "count_passed": "_rule_list_func",
                  "unknown": "_unknown_call", "as_of_year": "_as_of_year_call", "round": "_round_call",
                  "coalesce": "_coalesce_call"}


# the message for an unknown name where only a rule id or only a parameter fits
_UNKNOWN_KEYS = {("rule",): "check.unknown_rule", ("param",): "check.unknown_param"}


class _ExprChecker:
    def __init__(self, table: SymbolTable, errors: ErrorList, expr: Expr, deps: RuleDeps, stage: str | None,
                 stages_in_scope: set):
        self.t, self.errors, self.expr, self.deps = table, errors, expr, deps
        self.stage = stage  # the stage variant being checked ('primary'), or None for all
        self.stages_in_scope = stages_in_scope

    def err(self, node: ast.Node, msg: str, text: str | None = None):
        snippet = text if text is not None else self.expr.text[node.start:node.end][:60]
        self.errors.add(self.expr.loc_of(node), msg, snippet)

    def check(self, node: ast.Node, space: str) -> str | None:
        """Return the value kind (num/bool/text/list) of node evaluated in ``space``; None on error."""
        m = getattr(self, "_" + type(node).__name__)
        return m(node, space)

    def _Number(self, node, space):
        return "num"

    def _String(self, node, space):
        return "text"

    def _Bool(self, node, space):
        return "bool"

    def _ListExpr(self, node, space):
        for item in node.items:
            self.check(item, space)
        return "list"

    def _Name(self, node, space):
        sym = self.t.get(node.id)
        if sym is None:
            self.unknown(node)
            return None
        self._record(sym)
        if sym.level not in USABLE[space]:
            self.err(node, Msg("check.level_value", name=node.id, level=LEVEL_NAMES[sym.level],
                               space=LEVEL_NAMES[space]))
            return None
        if sym.needs_stage and space not in STAGE_SPACES:
            self.err(node, Msg("check.per_stage_value", name=node.id))
            return None
        if sym.stages is not None:
            wanted = {self.stage} if self.stage else self.stages_in_scope
            if space in STAGE_SPACES or sym.level == "stage":
                missing = sorted(s for s in wanted if s not in sym.stages)
                if missing:
                    self.err(node, Msg("check.no_stage_value", name=node.id, stages=", ".join(missing)))
                    return None
        if sym.kind == "field" and self.t.std.inputs:
            fd = sym.obj
            declared = self.t.std.inputs.get(fd.table, [])
            if fd.id not in declared:
                self.err(node, Msg("check.undeclared_field", name=node.id, table=fd.table))
        if sym.kind == "rule" and sym.obj.kind == "threshold":
            return "bool"
        return sym.vkind

    def unknown(self, node, kinds: tuple = ()):
        """An unknown name, with the closest known one (of ``kinds``, else of every kind) or the field whose
        label it is."""
        fid = self.t.field_by_label(node.id)
        if fid is not None:
            self.err(node, Msg("check.label_not_id", name=node.id, field=fid))
            return
        key = _UNKNOWN_KEYS.get(kinds, "check.unknown_name")
        self.err(node, Msg(key, name=node.id, guess=guess_text(node.id, self.t.names(*kinds))))

    def unknown_names_in(self, nodes) -> bool:
        """Report every unknown name under ``nodes`` (a typo inside an aggregate is a typo, not a level
        mistake); True when there was one."""
        found = False
        stack = list(nodes)
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Call) and n.func in RULE_REF_FUNCS | {"in_force"} and n.args and \
                    isinstance(n.args[0], ast.Name) and self.t.get(n.args[0].id) is None:
                self.unknown(n.args[0], ("param",) if n.func == "in_force" else ("rule",))
                found = True
            elif isinstance(n, ast.Name) and self.t.get(n.id) is None:
                self.unknown(n)
                found = True
            elif isinstance(n, ast.Call) and n.func not in FUNCTIONS:
                self.err(n, Msg("check.unknown_function", func=n.func, guess=guess_text(n.func, FUNCTIONS)), n.func)
                found = True
            else:
                stack.extend(n.children())
        return found

    def _record(self, sym: Sym):
        if sym.kind == "rule":
            self.deps.rules.add(sym.name)
        elif sym.kind == "derived":
            self.deps.derived.add(sym.name)
        elif sym.kind in ("field", "column"):
            self.deps.fields.add(sym.name)
        elif sym.kind == "param":
            self.deps.params.add(sym.name)

    def _num(self, node, space, what=None):
        k = self.check(node, space)
        if k is not None and k != "num":
            self.err(node, Msg("check.needs_number", what=what or Msg("check.operation"), kind=_vk(k)))
            return None
        return k

    def _bool(self, node, space):
        k = self.check(node, space)
        if k is not None and k != "bool":
            self.err(node, Msg("check.needs_condition", kind=_vk(k)))
            return None
        return k

    def _BinOp(self, node, space):
        a = self._num(node.left, space)
        b = self._num(node.right, space)
        return "num" if a and b else None

    def _Neg(self, node, space):
        return self._num(node.operand, space)

    def _Compare(self, node, space):
        a = self.check(node.left, space)
        b = self.check(node.right, space)
        if a is None or b is None:
            return "bool"
        if a != b:
            self.err(node, Msg("check.cannot_compare", a=_vk(a), b=_vk(b)))
        elif a in ("text", "bool") and node.op not in ("==", "!="):
            self.err(node, Msg("check.eq_only", kind=_vk(a)))
        return "bool"

    def _And(self, node, space):
        self._bool(node.left, space)
        self._bool(node.right, space)
        return "bool"

    _Or = _And

    def _Not(self, node, space):
        self._bool(node.operand, space)
        return "bool"

    def _If(self, node, space):
        self._bool(node.cond, space)
        a = self.check(node.then, space)
        b = self.check(node.other, space)
        if a and b and a != b:
            self.err(node, Msg("check.if_branches", a=_vk(a), b=_vk(b)))
            return None
        return a or b

    def _In(self, node, space):
        k = self.check(node.operand, space)
        for item in node.options.items:
            if not isinstance(item, (ast.String, ast.Number)):
                self.err(item, Msg("check.in_constants"))
            elif k and ((k == "text") != isinstance(item, ast.String)):
                self.err(item, Msg("check.in_kind", kind=_vk(k)))
        return "bool"

    def _IsMissing(self, node, space):
        self.check(node.operand, space)
        return "bool"

    def _Call(self, node, space):
        spec = FUNCTIONS.get(node.func)
        if spec is None:
            self.err(node, Msg("check.unknown_function", func=node.func, guess=guess_text(node.func, FUNCTIONS)),
                     node.func)
            return None
        n = len(node.args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            want = f"{spec.min_args}" if spec.min_args == spec.max_args else \
                f"{spec.min_args}–{spec.max_args if spec.max_args is not None else '…'}"
            self.err(node, Msg("check.arg_count", func=node.func, want=want, n=n, usage=spec.doc))
            return None
        aggregate = is_aggregate(node.func, n)
        meant = self._check_kwargs(node, spec, aggregate)
        for key in spec.required_kwargs:
            if key not in node.kwargs and key not in meant:  # a misspelt one is reported once, as misspelt
                self.err(node, Msg("check.needs_argument", func=node.func, key=key, usage=spec.doc))
        if aggregate:
            return self._aggregate(node, space)
        f = node.func
        if f in RULE_REF_FUNCS:
            return self._rule_ref(node, space)
        special = _SPECIAL_CALLS.get(f)
        if special is not None and (f != "round" or len(node.args) > 1):
            return getattr(self, special)(node, space)
        for a in node.args:
            self._num(a, space, Msg("check.function", func=f))
        return "num"

    def _in_force_call(self, node, space):
        arg = node.args[0]
        sym = self.t.get(arg.id) if isinstance(arg, ast.Name) else None
        if isinstance(arg, ast.Name) and sym is None:
            self.unknown(arg, ("param",))
        elif sym is None or sym.kind != "param":
            self.err(arg, Msg("check.in_force_param"))
        else:
            self._record(sym)  # a rule gated by in_force(P) depends on P's window (relaxed passes)
        return "bool"

    def _unknown_call(self, node, space):
        if not isinstance(node.args[0], ast.String):
            self.err(node.args[0], Msg("check.unknown_text"))
        return None  # a value of any kind that is not known: fits a condition and a number alike

    def _as_of_year_call(self, node, space):
        return "num"

    def _round_call(self, node, space):
        """round(x, d): d a literal integer within ±ROUND_DIGITS_MAX."""
        self._num(node.args[0], space, "函数 round ")
        digits = node.args[1]
        lit = digits.operand if isinstance(digits, ast.Neg) else digits
        if not isinstance(lit, ast.Number) or lit.value != int(lit.value):
            self.err(digits, Msg("check.round_literal"))
        elif abs(lit.value) > ROUND_DIGITS_MAX:
            self.err(digits, Msg("check.round_range", n=ROUND_DIGITS_MAX))
        return "num"

    def _coalesce_call(self, node, space):
        kinds = {self.check(a, space) for a in node.args} - {None}
        if len(kinds) > 1:
            self.err(node, Msg("check.coalesce_kinds"))
        return kinds.pop() if kinds else None

    def _check_kwargs(self, node, spec, aggregate: bool) -> set:
        """Unknown keyword arguments, each with the closest allowed one; returns those closest ones."""
        meant = set()
        allowed = spec.kwargs if (aggregate or node.func not in ("min", "max")) else ()
        for key in node.kwargs:
            if key not in allowed:
                line, col = node.kw_pos.get(key, (node.line, node.col))
                guess = closest(key, allowed)
                meant.add(guess)
                self.errors.add(self.expr.loc_of(ast.Number(0, line=line, col=col)),
                                Msg("check.no_such_argument", func=node.func, key=key,
                                    guess=Msg("check.did_you_mean", guess=guess) if guess else ""), key)
        return meant

    def _rule_ref(self, node, space):
        arg = node.args[0]
        sym = self.t.get(arg.id) if isinstance(arg, ast.Name) else None
        if isinstance(arg, ast.Name) and sym is None:
            self.unknown(arg, ("rule",))
            return None
        if sym is None or sym.kind != "rule":
            self.err(arg, Msg("check.takes_rule_id", func=node.func))
            return None
        self._record(sym)
        if sym.level not in USABLE[space]:
            self.err(node, Msg("check.rule_level", rule=arg.id, level=LEVEL_NAMES[sym.level], space=LEVEL_NAMES[space]))
            return None
        if (node.func == "value" and sym.obj.kind not in ("threshold", "record")) or \
                (node.func == "threshold" and sym.obj.kind != "threshold"):
            self.err(arg, Msg("check.rule_no_value", rule=arg.id))
            return None
        return "num" if node.func in ("value", "threshold") else "bool"

    def _rule_list_func(self, node, space):
        lst = node.args[-1]
        if not isinstance(lst, ast.ListExpr) or not lst.items:
            self.err(lst, Msg("check.needs_rule_list", func=node.func))
            return None
        for item in lst.items:
            sym = self.t.get(item.id) if isinstance(item, ast.Name) else None
            if isinstance(item, ast.Name) and sym is None:
                self.unknown(item, ("rule",))
                continue
            if sym is None or sym.kind != "rule":
                self.err(item, Msg("check.list_rule_ids"))
                continue
            self._record(sym)
            if sym.level != space:
                self.err(item, Msg("check.not_same_level", rule=item.id))
            if node.func == "at_least" and "rest_reach" in node.kwargs:
                r = sym.obj
                if r.kind != "threshold" or r.operator not in (">=", ">"):
                    self.err(item, Msg("check.rest_reach", rule=item.id))
        if node.func == "at_least":
            self._const_num(node.args[0], space, "k")
            if "rest_reach" in node.kwargs:
                self._const_num(node.kwargs["rest_reach"], space, "rest_reach")
            return "bool"
        return "num"

    def _const_num(self, node, space, what):
        k = self._num(node, space)
        if k and natural_level(node, self.t) not in ("const",):
            self.err(node, Msg("check.const_or_param", what=what))

    def _aggregate(self, node, space):
        parts = list(node.args) + list(node.kwargs.values())
        if self.unknown_names_in(parts):
            return None
        if not FINER[space]:
            self.err(node, Msg("check.aggregate_in_stage", func=node.func))
            return None
        level = "const"
        for p in parts:
            level = meet(level, natural_level(p, self.t))
        if level == "const" or level in USABLE[space]:
            if not (node.func == "count" and not node.args and level == "const"):
                self.err(node, Msg("check.aggregate_finer", func=node.func, space=LEVEL_NAMES[space]))
                return None
            level = "stage"
        if level not in FINER[space]:
            self.err(node, Msg("check.aggregate_into", level=LEVEL_NAMES[level], space=LEVEL_NAMES[space]))
            return None
        sub = _ExprChecker(self.t, self.errors, self.expr, self.deps, self.stage, self.stages_in_scope)
        if level == "stage" and self.stage:
            sub.stage = self.stage
        self._aggregate_parts(sub, node, level)
        return "bool" if node.func in ("all", "any") else "num"

    @staticmethod
    def _aggregate_parts(sub: "_ExprChecker", node, level: str) -> None:
        """The kinds of an aggregate's argument, where= and weight=, checked at the finer level."""
        f = node.func
        if node.args:
            k = sub.check(node.args[0], level)
            if f in ("all", "any", "share", "count"):
                if k is not None and k != "bool":
                    sub.err(node.args[0], Msg("check.aggregate_needs_condition", func=f, kind=_vk(k)))
            elif k is not None and k != "num":
                sub.err(node.args[0], Msg("check.aggregate_needs_number", func=f, kind=_vk(k)))
        if "where" in node.kwargs:
            k = sub.check(node.kwargs["where"], level)
            if k is not None and k != "bool":
                sub.err(node.kwargs["where"], Msg("check.where_condition"))
        if "weight" in node.kwargs:
            k = sub.check(node.kwargs["weight"], level)
            if k is not None and k != "num":
                sub.err(node.kwargs["weight"], Msg("check.weight_number"))


def _vk(k: str) -> str:
    keys = {"num": "kind.num", "bool": "kind.bool", "text": "kind.text", "list": "kind.list"}
    return Msg(keys[k]) if k in keys else str(k)


def _expr_items(obj):
    """(part, stage, Expr) for a rule or a derived field."""
    if isinstance(obj, Rule):
        yield from obj.exprs()
    else:
        for stage, e in obj.expr.items():
            yield "expr", stage, e


def _check_declared_inputs(std: Standard, table: SymbolTable, errors: ErrorList) -> None:
    """The standard's declared inputs and whole-school counts are catalogue fields of the right kind."""
    for table_name, ids in std.inputs.items():
        for fid in ids:
            if table.catalogue.get(table_name, fid) is None:
                loc = std.loc or Loc(std.path)
                errors.add(loc, Msg("check.unknown_input", table=table_name, field=fid), fid)
    for fid in std.whole_school_counts:
        fd = table.catalogue.get("school", fid)
        if fd is None or not fd.per_stage or fd.type != "count":
            errors.add(std.loc or Loc(std.path), Msg("check.whole_school_counts", field=fid), fid)


def _check_rule_header(obj, errors: ErrorList, all_stages: set) -> bool:
    """A rule's level, stages and rounding; False when its level is unknown (nothing more is checked)."""
    if obj.level not in ("stage", "school", "county"):
        errors.add(obj.origin, Msg("check.unknown_level", level=obj.level), obj.level)
        return False
    if obj.per_stage and obj.level != "county":
        errors.add(obj.origin, Msg("check.per_stage_county"), obj.id)
    for s in obj.stages or []:
        if s not in all_stages:
            errors.add(obj.origin, Msg("check.unknown_stage", stage=s, guess=guess_text(s, all_stages)), s)
    if obj.round is not None and obj.kind not in ("threshold", "record"):
        errors.add(obj.origin, Msg("check.round_value"), obj.id)
    return True


def _check_item(kind: str, obj, d: RuleDeps, table: SymbolTable, errors: ErrorList, all_stages: set,
                in_force: set, std: Standard, wrong_kind: dict) -> None:
    """Check one derived field or rule (its level, stages and expressions); record its dependencies in d."""
    space = obj.space if kind == "rule" else obj.level
    # an unknown stage is reported once (by the header check), not again by every value it lacks
    scope = (set(obj.stages) & all_stages or all_stages) if kind == "rule" and obj.stages else all_stages
    if kind == "rule" and not _check_rule_header(obj, errors, all_stages):
        return
    for part, stage, e in _expr_items(obj):
        if stage != "*":
            if space not in STAGE_SPACES:
                errors.add(e.loc, Msg("check.per_stage_exprs"), stage)
                continue
            if stage not in all_stages:
                errors.add(e.loc, Msg("check.unknown_stage", stage=stage, guess=guess_text(stage, all_stages)), stage)
                continue
        checker = _ExprChecker(table, errors, e, d, None if stage == "*" else stage, scope)
        k = checker.check(e.node, space)
        want = "bool" if part in ("condition", "applies_when") or getattr(obj, "kind", "") == "bool" else "num"
        if kind == "derived" and obj.id in wrong_kind and k is not None and k != want:
            errors.add(e.loc, kind_root_message(obj.id, want, k, *count_uses(std, obj.id)), e.text.strip()[:60])
        elif k is not None and k != want:
            errors.add(e.loc, Msg("check.part_kind", part=part, want=_vk(want), kind=_vk(k)),
                       e.text.strip()[:60])
    if kind == "rule" and obj.kind == "threshold" and obj.value is not None and obj.threshold is not None:
        vs, ts = set(obj.value), set(obj.threshold)
        if not vs or not ts:  # an expression that did not parse is already reported
            return
        if "*" not in vs and space in STAGE_SPACES and (scope - vs):
            errors.add(obj.origin, Msg("check.missing_stage_value", rule=obj.id, stages=tuple(sorted(scope - vs))),
                       obj.id)
        if "*" not in ts and space in STAGE_SPACES and (scope - ts):
            errors.add(obj.origin, Msg("check.missing_stage_threshold", rule=obj.id,
                                       stages=tuple(sorted(scope - ts))), obj.id)
    for rid in d.rules:
        if rid not in in_force:
            errors.add(obj.origin, Msg("check.rule_not_in_force", rule=obj.id, ref=rid), rid)


def _derived_of_wrong_kind(std: Standard, table: SymbolTable, all_stages: set) -> dict:
    """Derived values of the other kind than declared (id -> kind found), made of unknown kind in the table.

    One mistake, one error: such a value is reported once, at its own expression, with the count of its
    uses; its uses then take it as of unknown kind (no repeated error)."""
    wrong_kind: dict = {}
    for d_ in std.derived.values():
        for _stage, e in d_.expr.items():
            k = _ExprChecker(table, ErrorList(), e, RuleDeps(), None if _stage == "*" else _stage,
                             all_stages).check(e.node, d_.level)
            if k is not None and k != d_.kind:
                wrong_kind[d_.id] = k
    for did in wrong_kind:
        table.syms[did].vkind = None
    return wrong_kind


def compile_standard(std: Standard, catalogue: Catalogue | None = None, as_of=None) -> Compiled:
    """Check a standard; return what evaluation needs. Raises StandardError with every problem."""
    errors = ErrorList(list(std.load_errors))
    catalogue = catalogue or load_catalogue()
    table = SymbolTable(std, catalogue, errors)
    rules = std.rules_in_force(as_of) if as_of is not None else list(std.rules.values())
    in_force = {r.id for r in rules}
    deps: dict[str, RuleDeps] = {}
    all_stages = set(std.stages)

    _check_declared_inputs(std, table, errors)

    items = [("derived", d) for d in std.derived.values()] + [("rule", r) for r in rules]
    wrong_kind = _derived_of_wrong_kind(std, table, all_stages)
    for kind, obj in items:
        d = RuleDeps()
        deps[obj.id] = d
        _check_item(kind, obj, d, table, errors, all_stages, in_force, std, wrong_kind)
    if errors:
        errors.raise_if_any()

    # cycles and evaluation order (depth-first topological sort)
    order: list = []
    state: dict = {}
    stack: list = []

    def visit(kind, oid):
        st = state.get(oid)
        if st == 2:
            return
        if st == 1:
            cycle = stack[stack.index(oid):] + [oid]
            origin = (std.rules.get(oid) or std.derived.get(oid)).origin
            errors.add(origin, Msg("check.cycle", cycle=" → ".join(cycle)), oid)
            return
        state[oid] = 1
        stack.append(oid)
        d = deps.get(oid, RuleDeps())
        for did in sorted(d.derived):
            visit("derived", did)
        for rid in sorted(d.rules):
            if rid in in_force:
                visit("rule", rid)
        stack.pop()
        state[oid] = 2
        order.append((kind, oid))

    for kind, obj in items:
        visit(kind, obj.id)
    errors.raise_if_any()

    # input fields read by each rule, through derived fields
    inputs: dict[str, set] = {}
    for _kind, oid in order:
        d = deps[oid]
        s = set(d.fields)
        for did in d.derived:
            s |= inputs.get(did, set())
        inputs[oid] = s
    return Compiled(std, table, order, deps, inputs, rules, as_of)
