"""Every plot the product writes, drawn at its default size from realistic content: nothing cut off, nothing
overlapping (tests/figure_check.py), labels in words."""

from __future__ import annotations

import numpy as np
import pytest

from emoshield.attacks.defence import draw_frontier as draw_defence_frontier
from emoshield.attacks.report import draw_depth
from emoshield.evaluation import plots
from emoshield.evaluation.metrics import MetricSummary
from emoshield.evaluation.summary import Evaluation, MethodResult
from emoshield.fl.plots import draw_confusion, draw_rounds
from tests.figure_check import unreadable

#: Method names as long as users write them.
METHODS = ("raw", "speaker_norm", "adversarial", "adversarial(front_end=speaker,kl_weight=0.1,latent=64)")
CHANCE = {"emotion_uar": 0.5, "gender_leakage": 0.5, "gender_leakage_seen": 0.5, "speaker_id_acc": 0.217,
          "speaker_eer": 0.5, "language_leakage": 0.5, "membership_auc": 0.5, "gender_acc_ali": 0.58}
PANEL = ("logreg", "svm", "mlp", "knn", "gboost")


def _summary(mean: float, chance: float, spread: float = 0.05) -> MetricSummary:
    return MetricSummary(mean, 0.02, 5, chance, (max(0.0, mean - spread), min(1.0, mean + spread)))


def _evaluation(target: str = "valence") -> Evaluation:
    rng = np.random.default_rng(0)
    results = []
    for method in METHODS:
        # membership near 100 with its interval reaching it: the bars must not be clipped at the top
        metrics = {m: _summary(0.995 if m == "membership_auc" else rng.uniform(0.2, 0.95), chance)
                   for m, chance in CHANCE.items()}
        attackers = {m: {n: _summary(rng.uniform(0.4, 0.9), CHANCE[m]) for n in (*PANEL, *(f"seen:{p}" for p in PANEL))}
                     for m in ("gender_leakage", "language_leakage")}
        attackers["speaker_id_acc"] = {n: _summary(rng.uniform(0.1, 0.9), CHANCE["speaker_id_acc"]) for n in PANEL[:4]}
        attackers["membership_auc"] = {n: _summary(rng.uniform(0.5, 1.0), 0.5)
                                       for n in (*PANEL, "outside_unit_range", "nearest_member", "norm")}
        results.append(MethodResult(method, metrics, attackers, {m: "outside_unit_range" for m in metrics}))
    return Evaluation(results, target=target)


@pytest.mark.parametrize("draw", [
    plots.draw_metrics,
    plots.draw_attackers,
    plots.draw_frontier,
    lambda results: plots.draw_frontier(results, leakage="speaker_eer"),
], ids=["metrics", "attackers", "frontier", "frontier_eer"])
def test_the_evaluation_plots_are_readable(draw):
    assert unreadable(draw(_evaluation())) == []


def test_the_headline_says_valence_where_the_target_is_valence_and_attackers_are_named_in_words():
    figure = plots.draw_metrics(_evaluation("valence"))
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels[0] == "valence UAR" and "Utility (valence)" in figure.axes[0].get_title()
    assert plots.draw_metrics(_evaluation("emotion")).axes[0].get_xticklabels()[0].get_text() == "emotion UAR"
    names = [t.get_text().replace("\n", " ") for t in plots.draw_attackers(_evaluation()).axes[0].get_yticklabels()]
    assert "logistic regression" in names and "gradient boosting, on the method's speakers" in names


def test_bars_reaching_the_top_are_not_clipped():
    ax = plots.draw_metrics(_evaluation()).axes[0]
    assert ax.get_ylim()[1] > 100  # membership 99.5 with its interval up to 100


def test_the_sweep_and_projection_plots_are_readable():
    evaluation = _evaluation()
    swept = [MethodResult(f"adversarial(kl_weight={v:g})", r.metrics, r.attackers, r.strongest)
             for v, r in zip((0.01, 0.1, 1.0), evaluation.results)]
    assert unreadable(plots.draw_sweep(swept, evaluation.results[:2], "kl_weight", (0.01, 0.1, 1.0))) == []
    rng = np.random.default_rng(1)
    embeddings = {method: rng.normal(size=(60, 2)) for method in METHODS[:3]}
    colourings = {"gender": np.repeat(["female", "male"], 30),
                  "emotion": np.tile(["anger", "happiness", "neutral", "sadness", "boredom", "fear"], 10)}
    assert unreadable(plots.draw_projection(embeddings, colourings, "t-SNE of 60 utterances of 6 held-out speakers")) == []


def test_the_enrolment_curve_is_readable():
    from emoshield.evaluation.enrolment import EnrolmentSettings

    evaluation = _evaluation()
    runs = [(None, evaluation.results[:1])]
    runs += [(EnrolmentSettings(k), evaluation.results[1:3]) for k in (2, 5, 10, 20)]
    runs += [(EnrolmentSettings(10, c), evaluation.results[1:3]) for c in ("neutral", "one-valence")]
    runs += [(EnrolmentSettings(None), evaluation.results[1:3])]
    assert unreadable(plots.draw_enrolment_curve(runs)) == []


def test_the_federated_plots_are_readable():
    classes = ["anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]
    matrix = np.random.default_rng(2).integers(0, 40, size=(8, 8))
    assert unreadable(draw_confusion(matrix, classes, "federated (FedAvgM)")) == []
    assert unreadable(draw_rounds({str(r): 0.3 + 0.01 * r for r in range(31)})) == []


def test_the_attack_study_plots_are_readable():
    layers = ["pool1", "pool2", "pool3", "pool4", "dense1", "dense2"]
    entries = [{"mode": "splice", "scenario": "s2", "kind": "generic", "attacker": arch, "layer": layer,
                "accuracy": 0.9 - 0.06 * i, "sd": 0.03, "chance": 0.5}
               for arch in ("vgg_deep", "resnet", "densenet") for i, layer in enumerate(layers)]
    assert unreadable(draw_depth(entries, layers)) == []
    rows = [{"strength": s, "uar": 0.45 - 0.01 * s, "uar_sd": 0.02,
             "leakage": {column: {"accuracy": 0.9 - 0.1 * s, "ci95": [0.8, 0.95], "chance": 0.5, "attacker": "vgg",
                                  "kind": "generic"} for column in ("splice pool1", "splice dense2", "probe pool1")}}
            for s in (0.0, 1.0, 3.0)]
    assert unreadable(draw_defence_frontier(rows, ["splice pool1", "splice dense2", "probe pool1"])) == []
