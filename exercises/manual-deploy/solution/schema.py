"""The request and response contract of POST /predict (unchanged from the hand-deployed server)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Customer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)

    tenure_months: int = Field(ge=0, le=600)
    monthly_charges: float = Field(gt=0, le=10_000, allow_inf_nan=False)
    support_calls_90d: int = Field(ge=0, le=1_000)
    contract: Literal["month_to_month", "one_year", "two_year"]


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instances: list[Customer] = Field(min_length=1)


class Prediction(BaseModel):
    churn: bool
    probability: float


class PredictResponse(BaseModel):
    predictions: list[Prediction]
    model_version: str
