"""Seeded customer records with a churn label, the way the CRM export looks."""

import csv
import math
import random

from features import CONTRACTS, FIELDS


def customer(rng):
    contract = rng.choices(CONTRACTS, weights=[0.55, 0.25, 0.20])[0]
    tenure = int(min(rng.expovariate(1 / 24), 120))
    charges = round(min(max(rng.gauss(70, 25), 12.0), 180.0), 2)
    calls = min(int(rng.expovariate(1 / 1.5)), 25)
    return {"tenure_months": tenure, "monthly_charges": charges, "support_calls_90d": calls, "contract": contract}


def churn_probability(record):
    logit = (
        -0.6
        - 0.045 * record["tenure_months"]
        + 0.022 * (record["monthly_charges"] - 70)
        + 0.45 * record["support_calls_90d"]
        + {"month_to_month": 0.9, "one_year": -0.4, "two_year": -1.3}[record["contract"]]
    )
    return 1 / (1 + math.exp(-logit))


def records(n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        record = customer(rng)
        record["churned"] = int(rng.random() < churn_probability(record))
        rows.append(record)
    return rows


def write(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS + ["churned"])
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write("data/train.csv", records(4000, seed=20261101))
    write("data/holdout.csv", records(1500, seed=20261102))
