"""Model inputs."""

FEATURES = list(
    {
        "tenure_months",
        "monthly_charges",
        "support_tickets",
        "contract_type",
        "num_products",
        "days_since_login",
        "payment_failures",
        "age",
        "discount_pct",
    }
)
LABEL = "churned"
