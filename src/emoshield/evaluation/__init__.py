"""Honest evaluation: speaker-independent protocols, UAR, leakage by attacker panels, reports."""

from emoshield.evaluation.metrics import MetricSummary, equal_error_rate, summarise, uar
from emoshield.evaluation.plan import EvaluationSettings, Measurement
from emoshield.evaluation.protocol import evaluate_methods
from emoshield.evaluation.report import write_report
from emoshield.evaluation.summary import Evaluation, MethodResult

__all__ = [
    "Evaluation",
    "EvaluationSettings",
    "Measurement",
    "MethodResult",
    "MetricSummary",
    "equal_error_rate",
    "evaluate_methods",
    "summarise",
    "uar",
    "write_report",
]
