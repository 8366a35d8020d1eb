"""Model inputs, in a fixed order: the model's column order is part of the artifact."""

FEATURES = [
    "tenure_months",
    "monthly_charges",
    "support_tickets",
    "contract_type",
    "num_products",
    "days_since_login",
    "payment_failures",
    "age",
    "discount_pct",
]
LABEL = "churned"
