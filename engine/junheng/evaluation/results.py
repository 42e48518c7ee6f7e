"""The arrays one rule's evaluation leaves behind: outcome codes, values, thresholds and the flags that
explain them (empty aggregates, rows decided by bounds, dated relaxations)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from junheng.evaluation.logic import ABSENT, NOT_APPLICABLE
from junheng.standard.model import Rule


@dataclass
class RuleResult:
    rule: Rule
    space: str
    outcome: np.ndarray  # int8 codes
    value: np.ndarray | None = None  # compared value (rounded if the rule rounds)
    raw_value: np.ndarray | None = None
    threshold: np.ndarray | None = None
    threshold_param: np.ndarray | None = None  # which parameter gave the threshold, per row
    detail: dict | None = None  # at_least: per-rule pass/floor arrays
    tol: float = 0.0  # the standard's relative tolerance (margins, counterfactuals)
    empty_group: np.ndarray | None = None  # rows whose aggregate found no unit at all (e.g. a county without schools)
    empty_selection: np.ndarray | None = None  # rows whose aggregate's where/applicability selected no unit
    decided_by_bounds: np.ndarray | None = None  # rows an unknown if-condition left open but both branches decide
    relaxed: np.ndarray | None = None  # rows that pass only because a dated relaxation is in force
    relaxed_by: dict | None = None  # relaxation parameter id -> its window
    relaxed_keys: tuple | None = None  # (per-row code, list of relaxation-parameter tuples); code -1 = not relaxed

    @property
    def applicable(self):
        return (self.outcome != NOT_APPLICABLE) & (self.outcome != ABSENT)
