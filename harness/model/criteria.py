"""The five hiring criteria and the five-step maturity scale every rubric maps onto."""

from enum import StrEnum


class Criterion(StrEnum):
    DEPLOYMENT = "deployment"
    CI_CD = "ci_cd"
    MONITORING = "monitoring"
    IAC = "iac"
    MAINTENANCE = "maintenance"


CRITERION_TITLES: dict[Criterion, str] = {
    Criterion.DEPLOYMENT: "Deploying models to production",
    Criterion.CI_CD: "CI/CD for ML",
    Criterion.MONITORING: "Monitoring and observability",
    Criterion.IAC: "Infrastructure as code",
    Criterion.MAINTENANCE: "Maintaining production systems",
}


MATURITY_TITLES: dict[int, str] = {
    1: "notebook experimentation",
    2: "manual deployments",
    3: "automated deployments",
    4: "monitoring and retraining",
    5: "full MLOps platform",
}
