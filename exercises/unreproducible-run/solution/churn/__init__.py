"""Reproducible churn-model training pipeline."""
