"""Group row ids by a key with numpy: the dashboard groups every row on every change, and
pandas' per-group Python aggregation was most of the cost on large tables."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd


def ids_by_key(keys: pd.Series | np.ndarray, ids: pd.Series | np.ndarray) -> dict:
    """``{key: (id, id, ...)}`` in row order; rows whose key is missing are left out."""
    codes, uniques = pd.factorize(np.asarray(keys, dtype=object), use_na_sentinel=True)
    values = np.asarray(ids, dtype=object)
    keep = codes >= 0
    codes, values = codes[keep], values[keep]
    order = np.argsort(codes, kind="stable")
    codes, values = codes[order], values[order]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    groups: dict[Hashable, tuple] = {}
    for chunk_codes, chunk in zip(np.split(codes, bounds), np.split(values, bounds), strict=True):
        if len(chunk):
            groups[uniques[chunk_codes[0]]] = tuple(chunk.tolist())
    return groups
