"""Synthetic loan applications: the population the credit-risk model was trained on.

Every field, its unit and its valid range are documented in README.md ("Request schema"). The
generator is seeded, so the same seed always gives the same applicants.
"""

from __future__ import annotations

import numpy as np

FEATURES = [
    "age",
    "income",
    "loan_amount",
    "loan_term_months",
    "debt_to_income",
    "credit_history_years",
    "open_accounts",
    "delinquencies_2y",
]
TERMS = np.array([12, 24, 36, 48, 60])


def applicants(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """`n` applications, one array per field, in the units of the request schema (dollars)."""
    age = np.clip(rng.normal(41, 12, n), 18, 85).round()
    income = np.clip(rng.lognormal(np.log(58_000), 0.5, n), 8_000, 450_000).round(-2)
    loan_amount = np.clip(rng.lognormal(np.log(12_000), 0.6, n), 1_200, 60_000).round(-1)
    loan_term_months = rng.choice(TERMS, n, p=[0.1, 0.2, 0.35, 0.15, 0.2])
    debt_to_income = np.clip(rng.beta(2, 5, n) * 1.2, 0, 1.2).round(3)
    credit_history_years = np.minimum(age - 18, rng.gamma(3, 3, n)).round(1)
    open_accounts = rng.poisson(5, n)
    delinquencies_2y = rng.poisson(0.3, n)
    return {
        "age": age.astype(int),
        "income": income,
        "loan_amount": loan_amount,
        "loan_term_months": loan_term_months.astype(int),
        "debt_to_income": debt_to_income,
        "credit_history_years": credit_history_years,
        "open_accounts": open_accounts.astype(int),
        "delinquencies_2y": delinquencies_2y.astype(int),
    }


def default_probability(a: dict[str, np.ndarray]) -> np.ndarray:
    """The true chance of default that labels are drawn from (unknown to the model)."""
    loan_to_income = a["loan_amount"] / a["income"]
    logit = (
        -2.7
        + 6.0 * (loan_to_income - 0.2)
        + 2.5 * (a["debt_to_income"] - 0.33)
        - 0.03 * (a["age"] - 41)
        + 0.6 * a["delinquencies_2y"]
        - 0.04 * (a["credit_history_years"] - 8)
        + 0.01 * (a["loan_term_months"] - 36)
        + 0.05 * (a["open_accounts"] - 5)
    )
    return 1 / (1 + np.exp(-logit))


def labelled(n: int, seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """`n` applications and whether each defaulted."""
    rng = np.random.default_rng(seed)
    applications = applicants(n, rng)
    defaulted = rng.random(n) < default_probability(applications)
    return applications, defaulted.astype(int)


def records(columns: dict[str, np.ndarray]) -> list[dict[str, float | int]]:
    """Column arrays as JSON-ready request bodies."""
    names = list(columns)
    return [
        {name: columns[name][i].item() for name in names} for i in range(len(columns[names[0]]))
    ]
