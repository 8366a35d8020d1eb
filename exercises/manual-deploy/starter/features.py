"""The churn model's inputs and how a customer record becomes the model's feature vector."""

CONTRACTS = ["month_to_month", "one_year", "two_year"]
NUMERIC = ["tenure_months", "monthly_charges", "support_calls_90d"]
FIELDS = NUMERIC + ["contract"]


def encode(record):
    """Numeric fields as they are, then the contract one-hot encoded."""
    row = [float(record[name]) for name in NUMERIC]
    row += [1.0 if record["contract"] == contract else 0.0 for contract in CONTRACTS]
    return row
