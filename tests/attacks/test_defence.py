"""The defence's sweep: one study per gradient-reversal strength, and the frontier of UAR against worst-case leakage."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from emoshield.attacks.defence import frontier_row
from emoshield.errors import ConfigError

RECIPE = Path(__file__).resolve().parents[2] / "configs" / "attack_study_tiny.yaml"


def _entry(mode: str, layer: str, scenario: str, attacker: str, accuracy: float) -> dict:
    return {"mode": mode, "layer": layer, "scenario": scenario, "attacker": attacker, "kind": "generic",
            "accuracy": accuracy, "ci95": [accuracy - 0.1, accuracy + 0.1], "chance": 0.5}


def test_the_frontier_takes_the_strongest_attacker_of_any_scenario_per_mode_and_layer():
    report = {"settings": {"modes": ["splice", "probe", "panel"], "layers": ["pool1", "pool2", "dense2"],
                           "probe_layers": ["pool2"]},
              "target_uar": [0.6, 0.4],
              "leakage": [_entry("splice", "pool1", "worst", "vgg", 0.7), _entry("splice", "pool1", "s1", "vgg", 0.9),
                          _entry("splice", "dense2", "worst", "vgg", 0.55), _entry("splice", "pool2", "worst", "vgg", 0.99),
                          _entry("probe", "pool2", "worst", "vgg", 0.8), _entry("probe", "pool2", "s2", "resnet", 0.95),
                          _entry("panel", "pool1", "target data", "svm", 0.6),
                          _entry("panel", "pool1", "target data", "mlp", 0.75),
                          _entry("panel", "pool1", "other corpus", "mlp", 0.99)]}
    row = frontier_row(2.0, report)
    assert row["uar"] == pytest.approx(0.5) and row["uar_sd"] == pytest.approx(0.1)
    found = {column: (entry["accuracy"], entry["attacker"], entry["scenario"]) for column, entry in row["leakage"].items()}
    # every scenario counts, the other corpus's panel included (it was left out); middle layers are not shown
    assert found == {"splice pool1": (0.9, "vgg", "s1"), "splice dense2": (0.55, "vgg", "worst"),
                     "probe pool2": (0.95, "resnet", "s2"), "panel pool1": (0.99, "mlp", "other corpus")}


def test_a_sweep_runs_the_study_per_strength_and_writes_the_frontier(tmp_path):
    from emoshield.attacks.recipe import load_attack_recipe, run_attack_study
    from emoshield.attacks.train import FitSettings

    recipe = load_attack_recipe(RECIPE)
    study = replace(recipe.study, scenarios=("worst",), modes=("splice", "probe"), layers=("pool1", "dense2"),
                    probe_layers=("pool1",), initialisation="independent", training=FitSettings(epochs=1))
    recipe = replace(recipe, study=study, defences=(0.0, 1.0), other=replace(recipe.other, name=""),
                     output=str(tmp_path / "sweep"))
    table = run_attack_study(recipe)
    rows = json.loads((tmp_path / "sweep" / "defence.json").read_text())
    assert [row["strength"] for row in rows] == [0.0, 1.0]
    for row in rows:
        report = json.loads((tmp_path / "sweep" / f"defence-{row['strength']:g}" / "report.json").read_text())
        assert report["settings"]["defence"] == row["strength"]
        assert set(row["leakage"]) == {"splice pool1", "splice dense2", "probe pool1"}
    assert "| 1 |" in table.read_text() and (tmp_path / "sweep" / "defence_frontier.png").stat().st_size > 0


def test_a_negative_or_unreadable_strength_is_refused_naming_the_field():
    from emoshield.attacks.recipe import AttackRecipe

    for bad in ((-1.0,), ("strong",)):
        with pytest.raises(ConfigError, match="defences"):
            AttackRecipe(defences=bad)
