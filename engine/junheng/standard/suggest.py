"""'Did you mean': the closest known name to a misspelt one (difflib), for ids, keys and enum values."""
from __future__ import annotations

import difflib
import os


def closest(word: str, choices, cutoff: float = 0.6) -> str | None:
    """The choice closest to ``word``, or None when none is close enough. Of equally close choices the one
    sharing the longest beginning wins (``G51`` → ``G5`` rather than ``G1``), then the shorter one."""
    word = str(word)
    best, best_key = None, None
    for c in {str(c) for c in choices if str(c) != word}:
        ratio = difflib.SequenceMatcher(None, word, c).ratio()
        if ratio < cutoff:
            continue
        key = (ratio + 0.05 * len(os.path.commonprefix([word, c])), -len(c), c)
        if best_key is None or key > best_key:
            best, best_key = c, key
    return best
