"""Every recipe in configs/ runs end to end on tiny synthetic data (its smoke run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emoshield.experiment import load_recipe, run_recipe

#: Experiment recipes; configs/fl_*.yaml are federated recipes (loaded and run in tests/fl), configs/attack_*.yaml
#: attack-study recipes (tests/attacks).
RECIPES = sorted(p for p in (Path(__file__).resolve().parents[1] / "configs").glob("*.yaml")
                 if not p.name.startswith(("fl_", "attack_")))
TINY = ["corpus.name=synthetic", "corpus.speakers=8", "corpus.utterances=8", "evaluation.repeats=1",
        "evaluation.attackers=logreg,knn,mlp", "features.set=egemaps", "evaluation.workers=2"]


def test_there_are_recipes():
    assert len(RECIPES) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("recipe_path", RECIPES, ids=lambda p: p.stem)
def test_recipe_smoke_run(recipe_path, tmp_path):
    recipe = load_recipe(recipe_path, TINY + [f"output={tmp_path}"])
    report_dir, results = run_recipe(recipe)
    report = json.loads((report_dir / "report.json").read_text())
    assert [r["method"] for r in report["results"]] == list(recipe.evaluation.methods + recipe.sweep.specs())
    assert report["recipe"]["name"] == recipe.name
    assert (report_dir / "report.md").exists() and (report_dir / "frontier.png").exists()
    assert (report_dir / "sweep.png").exists() == bool(recipe.sweep.parameter)
