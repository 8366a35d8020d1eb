"""The request schema: every field's unit and valid range (see README.md, "Request schema").

The ranges are the contract with the upstream loan system. They reject, for example, a
`loan_amount` sent in cents: the largest loan we write is 100,000 dollars.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Application(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=False)

    age: int = Field(ge=18, le=100, description="years")
    income: float = Field(ge=1_000, le=2_000_000, description="US dollars per year")
    loan_amount: float = Field(ge=500, le=100_000, description="US dollars (not cents)")
    loan_term_months: Literal[12, 24, 36, 48, 60]
    debt_to_income: float = Field(ge=0, le=2, description="monthly debt payments / monthly income")
    credit_history_years: float = Field(ge=0, le=80, description="years since the first credit line")
    open_accounts: int = Field(ge=0, le=100)
    delinquencies_2y: int = Field(ge=0, le=50, description="delinquencies in the last two years")


class Score(BaseModel):
    default_probability: float
    decision: Literal["approve", "decline"]
    model_version: str
