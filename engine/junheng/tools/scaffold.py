"""``junheng new PROVINCE --extends ID``: start a provincial standard folder.

Writes ``<standards>/<province>/<name>.yaml`` (extends ID, no differences yet, and as commented entries every
parameter and rule of the parent with its current value, a new-rule and a removal example, so that an override
is a matter of uncommenting: the section keys stand empty above their entries, and an entry works once one '#'
is removed from each of its lines), ``<province>/tests/<name>.yaml`` (a test stub) and ``<province>/README.md``.
Nothing is overwritten. The new file passes ``junheng check`` as written and with any entries uncommented.
Comments in Chinese, in English with ``--lang en``.
"""
from __future__ import annotations

import re
from pathlib import Path

from junheng.errors import LocatedError, Loc, StandardError
from junheng.i18n import Msg, t
from junheng.standard.loader import load_standard
from junheng.paths import user_save_dir
from junheng.tools.show import fmt_values
from junheng.atomic import atomic_open

PROVINCE_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


def _fail(msg: str, where: str = "junheng new"):
    raise StandardError([LocatedError(Loc(where), msg)])


def _yaml_str(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(text: str) -> list[str]:
    """A catalogue text as comment lines (one per line of the text)."""
    return [f"# {line}".rstrip() for line in text.splitlines()]


def _expr_yaml(d) -> str:
    """A rule's expression(s) as one YAML value: a quoted expression, or per stage ``{primary: "…", …}``."""
    if set(d) == {"*"}:
        return _yaml_str(" ".join(d["*"].text.split()))
    return "{" + ", ".join(f"{s}: {_yaml_str(' '.join(e.text.split()))}" for s, e in d.items()) + "}"


def _value_line(v, indent: str) -> str:
    if v.values is not None:
        vals = ", ".join(f"{s}: {x:g}" if isinstance(x, (int, float)) else f"{s}: {x}" for s, x in v.values.items())
        return f"#{indent}values: {{{vals}}}"
    return f"#{indent}value: {v.value:g}" if isinstance(v.value, (int, float)) else f"#{indent}value: {v.value}"


def _parameter_block(p, lang: str) -> list[str]:
    """A parameter's override that changes nothing yet: its value(s), or its dated versions with their
    windows (a relaxation written as a plain value would be in force for ever)."""
    v = p.in_force(None) or (p.versions[-1] if p.versions else None)
    lines = [f"#  {p.id}:    # {p.name} = {fmt_values(v)} {p.unit}".rstrip()]
    dated = any(x.window.start or x.window.end for x in p.versions)
    if dated:
        lines.append("#    versions:")
        for x in p.versions:
            lines.append(_value_line(x, "      - "))
            window = ", ".join(f"{k}: \"{d.isoformat()}\"" for k, d in (("from", x.window.start),
                                                                       ("to", x.window.end)) if d)
            lines.append(f"#        effective: {{{window}}}")
    elif v is not None:
        lines.append(_value_line(v, "    "))
    return lines + ["#    override: true", f"#    citation: {{document: my-doc, article: {t(lang, 'new.article')}}}",
                    "#    source_status: secondary", "#"]


def _rule_block(r, lang: str) -> list[str]:
    """An override of a parent rule that changes nothing yet: its threshold (or condition, or recorded value)
    as the parent writes it, a citation to fill in."""
    part = {"threshold": "threshold", "condition": "condition", "record": "value"}[r.kind]
    return [f"#  - id: {r.id}    # {r.name}".rstrip(), "#    override: true",
            f"#    {part}: {_expr_yaml(getattr(r, part))}",
            f"#    citation: {{document: my-doc, article: {t(lang, 'new.article')}, source_status: secondary}}", "#"]


def standard_text(std_id: str, parent, name: str, title: str, lang: str = "zh", path: str = "") -> str:
    """The new standard: no difference yet; every parent parameter and rule as a commented entry that works
    once its lines are uncommented (one '#' removed from each), as the file's first lines say."""
    article = t(lang, "new.article")
    lines = [f"# {title}", *_comment(t(lang, "new.yaml_head", parent=parent.id)),
             *_comment(t(lang, "new.yaml_howto", path=path or f"{std_id}.yaml")),
             f"id: {std_id}", f"title: {_yaml_str(title)}", f"jurisdiction: {{name: {_yaml_str(name)}}}",
             'version: "1"', f"extends: {parent.id}", "",
             *_comment(t(lang, "new.yaml_documents")), "documents:", "#  my-doc:",
             f"#    number: {_yaml_str(t(lang, 'new.doc_number'))}",
             f"#    title: {_yaml_str(t(lang, 'new.doc_title'))}",
             "#    source_status: secondary", "",
             *_comment(t(lang, "new.yaml_parameters", parent=parent.id)), "parameters:"]
    for p in parent.parameters.values():
        lines += _parameter_block(p, lang)
    lines += ["", *_comment(t(lang, "new.yaml_rules", parent=parent.id)), "rules:"]
    for r in parent.rules.values():
        lines += _rule_block(r, lang)
    lines += [*_comment(t(lang, "new.yaml_new_rule")), "#  - id: NEW_1", "#    level: stage",
              f"#    name: {_yaml_str(t(lang, 'new.rule_name'))}", "#    value: students", '#    operator: ">="',
              '#    threshold: "1"',
              f"#    citation: {{document: my-doc, article: {article}, source_status: secondary}}", "",
              *_comment(t(lang, "new.yaml_remove_rules")), "remove_rules:",
              f"#  - id: {t(lang, 'new.rule_id')}", f"#    reason: {_yaml_str(t(lang, 'new.remove_reason'))}",
              f"#    citation: {{document: my-doc, article: {article}, source_status: secondary}}"]
    return "\n".join(lines) + "\n"


def parent_test_file(parent) -> Path | None:
    """The parent's YAML test file (``<folder>/tests/<name>.yaml`` next to the parent standard), if any."""
    p = Path(parent.chain[-1].source or parent.path) if parent.chain else Path(parent.path)  # the real file
    cand = p.parent / "tests" / p.name
    return cand if cand.is_file() else None


def test_text(std_id: str, parent, lang: str = "zh") -> str:
    """A test file in the format of ``tools/stdtest.py``: the parent's base rows and its first case,
    which hold for the new standard as long as it has no differences. Add one case per difference."""
    src = parent_test_file(parent)
    head = "\n".join(_comment(t(lang, "new.tests_head", id=std_id, example=str(src) if src else "-"))) + "\n"
    if src is None:
        return head + "\n".join(_comment(t(lang, "new.tests_no_parent"))) + "\n"
    lines = src.read_text(encoding="utf-8").splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.startswith(("schools:", "counties:")))
        cases = next(i for i, ln in enumerate(lines) if ln.startswith("cases:"))
        first = next(i for i, ln in enumerate(lines) if i > cases and ln.lstrip().startswith("- name:"))
        indent = len(lines[first]) - len(lines[first].lstrip())
        end = next((i for i, ln in enumerate(lines) if i > first and ln.strip() and
                    (len(ln) - len(ln.lstrip()) <= indent and not ln.lstrip().startswith("#"))
                    and ln.lstrip().startswith("- name:")), len(lines))
    except StopIteration:
        return head
    while end > first and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return head + "\n".join(lines[start:cases] + ["cases:"] + lines[first:end]) + "\n"


def readme_text(std_id: str, parent_id: str, name: str, lang: str = "zh") -> str:
    return f"# {name}\n\n" + t(lang, "new.readme", id=std_id, parent=parent_id) + "\n"


def scaffold(province: str, extends: str, name: str | None = None, title: str | None = None,
             std_name: str | None = None, root=None, dirs=(), lang: str = "zh") -> list[Path]:
    if not PROVINCE_RE.match(province or ""):
        _fail(Msg("new.bad_province", pattern=PROVINCE_RE.pattern, name=repr(province)))
    parent = load_standard(extends, dirs)
    std_name = std_name or parent.id.split("/")[-1]
    if not PROVINCE_RE.match(std_name.replace(".", "-")):
        _fail(Msg("new.bad_name", name=repr(std_name)))
    root = Path(root) if root else user_save_dir(dirs)
    std_id = f"{province}/{std_name}"
    name = name or province
    title = title or f"{name} {parent.title}"
    folder = root / province
    std_file = folder / f"{std_name}.yaml"
    files = {std_file: standard_text(std_id, parent, name, title, lang, str(std_file)),
             folder / "tests" / f"{std_name}.yaml": test_text(std_id, parent, lang)}
    readme = folder / "README.md"
    if not readme.exists():
        files[readme] = readme_text(std_id, parent.id, name, lang)
    exists = [p for p in files if p.exists()]
    if exists:
        _fail(Msg("new.exists", files=", ".join(str(p) for p in exists)))

    for p, text in files.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(p, "w", encoding="utf-8", exclusive=True) as fh:  # whole or not at all, never over a file
            fh.write(text)
    return list(files)


def cli(out, err, args, dirs, lang) -> int:
    files = scaffold(args.province, args.extends, args.name, args.title, args.id_name, args.dir, dirs, lang)
    for f in files:
        out.print(t(lang, "new.created", file=str(f)), highlight=False)
    std = [f for f in files if f.suffix == ".yaml" and f.parent.name != "tests"][0]
    out.print(t(lang, "new.next", command=f"junheng check {std}"), highlight=False)
    return 0
