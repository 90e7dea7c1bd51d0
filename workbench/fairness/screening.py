"""Inputs an audit must flag: emotion and facial-expression data (EU AI Act Art. 5(1)(f))."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.fairness.common import EMOTION_PATTERN
from workbench.fairness.pool import _tables_of


# -------------------------------------------------------------------------------------- screening


def screen_high_risk_inputs(dataset: Any) -> list[dict[str, str]]:
    """Columns that look like emotion or facial-expression data, in any table of the dataset.

    Emotion recognition in the workplace is prohibited in the EU (AI Act, Regulation (EU) 2024/1689, Art.
    5(1)(f)); such features must not feed a hiring decision. The screen matches column names.

    Examples
    --------
    >>> screen_high_risk_inputs({"answers": pd.DataFrame(columns=["score", "facial_expression_joy"])})[0]["column"]
    'facial_expression_joy'
    """
    found = []
    for name, frame in _tables_of(dataset).items():
        for col in getattr(frame, "columns", []):
            if EMOTION_PATTERN.search(str(col)):
                found.append({"table": name, "column": str(col),
                              "reason": "emotion / facial-expression feature: emotion recognition in the workplace "
                                        "is prohibited under EU AI Act Art. 5(1)(f); remove it from any decision"})
    return found


