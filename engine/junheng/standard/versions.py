"""Parameter version timelines: the per-stage shape of versions, clipping a parent's versions by a
child's (a dated override cuts the parent's timeline), and overlaps or gaps between windows."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from junheng.i18n import Msg
from junheng.standard.model import Window


def shape_of(versions) -> tuple:
    """Per-stage shape of a parameter: ('scalar',) or ('stages', frozenset of stages)."""
    shapes = set()
    for v in versions:
        shapes.add(("stages", frozenset(v.values)) if v.values is not None else ("scalar",))
    return tuple(sorted(shapes, key=str))


def shape_text(shape) -> str:
    return Msg("shape.list", shapes=tuple(Msg("shape.scalar") if s[0] == "scalar"
                                          else Msg("shape.stages", stages=", ".join(sorted(s[1]))) for s in shape))


_MIN, _MAX = dt.date.min, dt.date.max


def _bounds(w: Window):
    return (w.start or _MIN, w.end or _MAX)


def _subtract(pieces, cut):
    c0, c1 = cut
    out = []
    for a, b in pieces:
        if c1 < a or c0 > b:
            out.append((a, b))
            continue
        if c0 > a:
            out.append((a, c0 - dt.timedelta(days=1)))
        if c1 < b:
            out.append((c1 + dt.timedelta(days=1), b))
    return out


def _flatten(versions) -> list:
    """Disjoint (start, end, version) segments: which version is in force when, by the rule of
    ``Parameter.in_force`` (when windows nest, the later start wins)."""
    one = dt.timedelta(days=1)
    pts = set()
    for v in versions:
        a, b = _bounds(v.window)
        pts.add(a)
        if b != _MAX:
            pts.add(b + one)
    points = sorted(pts)
    segs: list = []
    for i, a in enumerate(points):
        b = points[i + 1] - one if i + 1 < len(points) else _MAX
        hits = [v for v in versions if _bounds(v.window)[0] <= a <= _bounds(v.window)[1]]
        if not hits:
            continue
        v = max(hits, key=lambda x: _bounds(x.window)[0])
        if segs and segs[-1][2] is v and segs[-1][1] + one == a:
            segs[-1][1] = b
        else:
            segs.append([a, b, v])
    return segs


def clip_versions(parent_versions, child_versions) -> list:
    """An override layers its versions on top: the parent's versions stay in force only where no
    version of the override is. The parent's timeline is first made disjoint, then cut, so the
    ranges ``junheng show`` prints are exactly when each value is in force."""
    out = list(child_versions)
    for a0, b0, v in _flatten(parent_versions):
        pieces = [(a0, b0)]
        for c in child_versions:
            pieces = _subtract(pieces, _bounds(c.window))
        for a, b in pieces:
            w = Window(None if a == _MIN else a, None if b == _MAX else b, v.window.note)
            out.append(v if (w.start, w.end) == (v.window.start, v.window.end) else replace(v, window=w))
    return sorted(out, key=lambda v: v.window.start or _MIN)


def window_problems(versions) -> list:
    """(version, message) for versions of one parameter, in one file, whose effective ranges overlap
    without one containing the other, repeat the same range, or leave a gap between them.
    Nesting is allowed on purpose (a temporary relaxation inside an open-ended value: the later start wins)."""
    probs = []
    vs = sorted(versions, key=lambda v: _bounds(v.window))
    for i, a in enumerate(vs):
        a0, a1 = _bounds(a.window)
        for b in vs[i + 1:]:
            b0, b1 = _bounds(b.window)
            if b0 > a1:
                break
            if (a0, a1) == (b0, b1):
                probs.append((b, Msg("versions.same_range", at=str(a.origin))))
            elif not (a0 <= b0 and b1 <= a1):
                probs.append((b, Msg("versions.overlap", window=str(b.window), at=str(a.origin), other=str(a.window))))
    # gaps: holes in the union of the windows
    end = None
    for v in vs:
        v0, v1 = _bounds(v.window)
        if end is not None and end != _MAX and v0 > end + dt.timedelta(days=1):
            probs.append((v, Msg("versions.gap", start=str(end + dt.timedelta(days=1)),
                                 end=str(v0 - dt.timedelta(days=1)))))
        end = v1 if end is None else max(end, v1)
    return probs
