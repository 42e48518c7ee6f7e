"""Field definitions in a standard file (``fields:``): a field the catalogue (``standards/fields.yaml``)
or an extended standard already defines may be redefined only with ``override: true`` (and a citation),
as for parameters, derived values and rules; ``override: true`` on a new field is an error too."""
from __future__ import annotations

from typing import cast

from junheng.errors import ErrorList, Loc
from junheng.i18n import Msg
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
        errors.add(loc, Msg("field.override_unknown", id=fid, table=table), fid)
        return False
    if not wants and old is not None:
        errors.add(loc, Msg("field.already_defined", id=fid, at=_where(old)), fid)
        return False
    if wants:
        assert old is not None  # an override of a missing field returned above
        cit = spec.get("citation")
        if not cit:
            errors.add(loc, Msg("field.override_citation", id=fid), fid)
        elif cit.get("document") not in documents:
            errors.add(loc, Msg("field.unknown_document", id=fid, document=str(cit.get("document"))),
                       str(cit.get("document")))
        fd.overrode = list(getattr(old, "overrode", [])) + [old.loc if isinstance(old.loc, Loc) else
                                                           Loc("standards/fields.yaml")]
    return True
