"""Verdict output: the JSON contract (schemas/verdicts.schema.json) and flat CSV.

Output is deterministic: rows in rule order then unit order, keys sorted where order is free, no
timestamps except in the declared ``run`` block.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from . import __version__
from .checker import USABLE
from .run import Run


def _clean(v):
    if v is None:
        return None
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is pd.NA:
        return None
    return v


def verdict_inputs(run: Run) -> list:
    """For each verdict row, the input values used (same order as run.verdicts)."""
    ev = run.evaluator
    out = []
    for rule in run.compiled.rules:
        res = ev.results[rule.id]
        keep = np.flatnonzero(res.outcome != -1)
        names = sorted(f for f in run.compiled.inputs.get(rule.id, ())
                       if ev.t.get(f) and ev.t.get(f).level in USABLE[res.space]
                       and not (ev.t.get(f).needs_stage and res.space not in ("stage", "county_stage")))
        cols = {f: ev.field_array(f, res.space) for f in names}
        for d in sorted(run.compiled.deps[rule.id].derived):
            cols[d] = ev.derived_array(d, res.space) if run.standard.derived[d].level in USABLE[res.space] else None
        cols = {k: v for k, v in cols.items() if v is not None}
        if res.space in ("county_stage", "county") and not cols:
            counts = ev.group("stage", res.space) if res.space != "county" else ev.sp.u_county
            n_units = np.bincount(counts, minlength=ev.n(res.space)) if len(counts) else np.zeros(ev.n(res.space))
            cols = {"units": n_units}
        for i in keep:
            out.append({k: _clean(v[i]) for k, v in cols.items()})
    return out


def to_document(run: Run, run_info: dict | None = None) -> dict:
    v = run.verdicts
    inputs = verdict_inputs(run)
    from .counterfactual import verdict_extras  # margins → counterfactuals (failing rows only)
    from .provenance import run_provenance

    extras = verdict_extras(run)
    records = []
    cols = list(v.columns)
    arrays = {c: v[c].to_numpy(dtype=object) for c in cols}
    for i in range(len(v)):
        r = {c: _clean(arrays[c][i]) for c in cols}
        records.append({
            "level": r["level"], "county_id": r["county_id"], "school_id": r["school_id"],
            "school_name": r["school_name"], "stage": r["stage"], "rule_id": r["rule_id"],
            "rule_name": r["rule_name"], "area": r["area"] or None, "outcome": r["outcome"], "value": r["value"],
            "threshold": r["threshold"], "operator": r["operator"], "unit": r["unit"] or None,
            "margin": r["margin"], "threshold_param": r["threshold_param"],
            "citation": {"document": r["citation_document"], "article": r["citation_article"],
                         "source_status": r["source_status"]},
            "inputs": inputs[i] if i < len(inputs) else {}, "reason": r["reason"],
            **(extras[i] if i < len(extras) else {}),
        })
    std = run.standard
    doc = {
        "standard": {"id": std.id, "version": std.version, "title": std.title,
                     "files": [{"id": c.id, "path": c.path, "sha256": c.sha256} for c in std.chain]},
        "as_of": run.as_of.isoformat() if run.as_of else None,
        "engine_version": __version__,
        "inputs": run.input_summary(),
        "input_fingerprint": run.fingerprint(),
        "rejected": [{k: _clean(x) for k, x in r.items()} for r in run.rejected],
        "problems": [p.to_json() for p in run.schools.problems + run.counties.problems],
        "summary": summary(run),
        "verdicts": records,
        # per-rule provenance table; each verdict refers to it by its rule_id
        "provenance": run_provenance(run),
    }
    if run_info:
        doc["run"] = run_info
    return doc


def summary(run: Run) -> dict:
    v = run.verdicts
    counts = v["outcome"].value_counts().to_dict() if len(v) else {}
    read = sum(f["rows"] for f in run.input_summary())
    rejected = len(run.rejected)
    return {"rows_read": read, "rows_evaluated": read - rejected, "rows_rejected": rejected,
            "stage_units": run.spaces.sizes["stage"], "schools": run.spaces.sizes["school"],
            "counties": run.spaces.sizes["county"],
            "outcomes": {k: int(counts.get(k, 0)) for k in ("pass", "fail", "not_evaluable", "not_applicable")}}


def write_json(run: Run, path_or_stream, run_info=None) -> None:
    doc = to_document(run, run_info)
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False)
    _write(path_or_stream, text + "\n")


def write_csv(run: Run, path_or_stream) -> None:
    """The bytes ``DataFrame.to_csv(index=False, lineterminator="\\n", float_format="%.10g")`` writes,
    built column-wise with arrow (3.9 million national verdicts: one C-level join, not a Python row loop)."""
    data = csv_bytes(run.verdicts)
    if hasattr(path_or_stream, "write"):
        path_or_stream.write(data.decode("utf-8"))
    else:
        with open(path_or_stream, "wb") as fh:
            fh.write(data)


def _csv_field(s: pd.Series):
    import pyarrow as pa
    import pyarrow.compute as pc

    if s.dtype.kind == "f":
        v = s.to_numpy(dtype="float64")
        uniq, inv = np.unique(v, return_inverse=True)
        text = np.char.mod("%.10g", np.where(np.isnan(uniq), 0.0, uniq)).astype(object)
        text[np.isnan(uniq)] = ""
        return pa.array(text, type=pa.large_string()).take(pa.array(inv.reshape(-1)))
    if s.dtype.kind in "iub":
        return pa.array(s.astype(str).to_numpy(dtype=object), type=pa.large_string())
    a = getattr(s.array, "_pa_array", None)  # pandas str dtype: already arrow, no Python strings
    if a is not None and pa.types.is_string(a.type) or a is not None and pa.types.is_large_string(a.type):
        a = a.cast(pa.large_string())
    else:
        a = pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.large_string(), from_pandas=True)
    a = pc.fill_null(a, "")
    a = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    enc = pc.dictionary_encode(a)  # quote each distinct text once
    d = enc.dictionary
    quote = pc.match_substring_regex(d, '[,"\n\r]')  # csv.QUOTE_MINIMAL
    if pc.any(quote).as_py():
        q, e = pa.scalar('"', pa.large_string()), pa.scalar("", pa.large_string())
        d = pc.if_else(quote, pc.binary_join_element_wise(q, pc.replace_substring(d, '"', '""'), q, e), d)
    return d.take(enc.indices)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.compute as pc

    header = frame.head(0).to_csv(index=False, lineterminator="\n").encode("utf-8")
    if not len(frame):
        return header
    cols = [_csv_field(frame[c]) for c in frame.columns]
    line = pc.binary_join_element_wise(*cols, pa.scalar("\n", pa.large_string()), pa.scalar("", pa.large_string())) \
        if len(cols) == 1 else pc.binary_join_element_wise(
            pc.binary_join_element_wise(*cols, pa.scalar(",", pa.large_string())),
            pa.scalar("\n", pa.large_string()), pa.scalar("", pa.large_string()))
    line = line.combine_chunks() if isinstance(line, pa.ChunkedArray) else line
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int64)[line.offset:line.offset + len(line) + 1]
    body = line.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]
    return header + body


def _write(target, text):
    if hasattr(target, "write"):
        target.write(text)
    else:
        with open(target, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
