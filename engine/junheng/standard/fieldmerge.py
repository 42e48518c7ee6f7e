"""Field definitions in a standard file (``fields:``): a field the catalogue (``standards/fields.yaml``)
or an extended standard already defines may be redefined only with ``override: true`` (and a citation),
as for parameters, derived values and rules; ``override: true`` on a new field is an error too."""
from __future__ import annotations

from typing import cast

from junheng.errors import ErrorList, Loc
from junheng.standard.catalogue import FieldDef, load_catalogue


def previous_field(std, table: str, fid: str) -> FieldDef | None:
    """The definition a standard's ``fields:`` entry would replace: the extended standard's, else the catalogue's."""
    old = std.extra_fields.get(table, {}).get(fid)
    if old is not None:
        return old
    return load_catalogue().get(table, fid)


def _where(fd: FieldDef) -> str:
    loc = fd.loc
    if isinstance(loc, Loc):
        return str(loc)
    return "standards/fields.yaml"


def merge_field(std, table: str, fid: str, spec, fd: FieldDef, documents: dict, errors: ErrorList) -> bool:
    """Check one ``fields.<table>.<fid>`` entry; record what it overrode on ``fd``. True when it can be merged."""
    old = previous_field(std, table, fid)
    wants = bool(spec.get("override", False))
    loc = cast(Loc, fd.loc)  # the loader builds fd with the location of its YAML key
    if wants and old is None:
        errors.add(loc, f"要覆盖的字段 '{fid}' 不存在（字段目录和上级标准中都没有 {table} 表的该字段）/ override of "
                        f"unknown field '{fid}'", fid)
        return False
    if not wants and old is not None:
        errors.add(loc, f"字段 '{fid}' 已在 {_where(old)} 定义；如要重新定义，请写 override: true 并给出 citation / "
                        f"field '{fid}' is already defined at {_where(old)}; write override: true to redefine it", fid)
        return False
    if wants:
        assert old is not None  # an override of a missing field returned above
        cit = spec.get("citation")
        if not cit:
            errors.add(loc, f"覆盖字段 '{fid}' 必须给出出处 citation / an override of field '{fid}' needs a citation",
                       fid)
        elif cit.get("document") not in documents:
            errors.add(loc, f"字段 '{fid}' 引用的文件 '{cit.get('document')}' 未在 documents 中登记 / unknown document",
                       str(cit.get("document")))
        fd.overrode = list(getattr(old, "overrode", [])) + [old.loc if isinstance(old.loc, Loc) else
                                                           Loc("standards/fields.yaml")]
    return True
