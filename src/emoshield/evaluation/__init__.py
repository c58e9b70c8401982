"""Honest evaluation: speaker-independent protocols, UAR, leakage by attacker panels, reports."""

from emoshield.evaluation.metrics import MetricSummary, equal_error_rate, summarise, uar
from emoshield.evaluation.protocol import EvaluationSettings, evaluate_methods
from emoshield.evaluation.report import write_report

__all__ = [
    "EvaluationSettings",
    "MetricSummary",
    "equal_error_rate",
    "evaluate_methods",
    "summarise",
    "uar",
    "write_report",
]
