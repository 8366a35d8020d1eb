"""Model inputs: the columns the model sees, computed from a loan application."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

COLUMNS = [
    "age",
    "log_income",
    "log_loan_amount",
    "loan_to_income",
    "loan_term_months",
    "debt_to_income",
    "credit_history_years",
    "open_accounts",
    "delinquencies_2y",
]


def matrix(applications: Sequence[Mapping[str, float]]) -> np.ndarray:
    """One row of model inputs per application (fields as in the request schema)."""
    rows = []
    for a in applications:
        income, loan = float(a["income"]), float(a["loan_amount"])
        rows.append([
            float(a["age"]),
            np.log(income),
            np.log(loan),
            loan / income,
            float(a["loan_term_months"]),
            float(a["debt_to_income"]),
            float(a["credit_history_years"]),
            float(a["open_accounts"]),
            float(a["delinquencies_2y"]),
        ])
    return np.asarray(rows, dtype=float)
