"""One conversion of results to JSON-ready values, shared by every ``to_dict``/``to_records``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> json_ready({"r": np.float64(0.1234567891), "n": np.int64(3), "ok": np.bool_(True), "x": float("nan")})
{'r': 0.1234567891, 'n': 3, 'ok': True, 'x': None}
>>> json_ready([pd.NA, pd.Timestamp("2026-01-02"), 1 / 3], digits=3)
[None, '2026-01-02T00:00:00', 0.333]
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def json_ready(value: Any, *, digits: int | None = None) -> Any:
    """``value`` with numpy scalars as Python, NaN/NA/NaT as None, dates as ISO strings, recursively.

    ``digits`` rounds floats (None keeps them as they are).
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v, digits=digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v, digits=digits) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return None
        return float(value) if digits is None else round(float(value), digits)
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    return value
