"""Numbers crossing into outputs: one definition of 'a finite float, or nothing'."""
from __future__ import annotations

import math


def as_float(v) -> float | None:
    """float(v) when v is a finite number (numpy or Python, or numeric text); otherwise None."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f
