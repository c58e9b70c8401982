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
#: A smoke run checks that a recipe loads and runs, not what it measures: few speakers and folds, one repeat.
TINY = ["corpus.name=synthetic", "corpus.speakers=8", "corpus.utterances=8", "evaluation.repeats=1",
        "evaluation.attackers=logreg,knn", "features.set=egemaps", "evaluation.workers=1",
        "evaluation.emotion_folds=2", "evaluation.privacy_folds=3", "evaluation.bootstrap=100"]


def test_there_are_recipes():
    assert len(RECIPES) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("recipe_path", RECIPES, ids=lambda p: p.stem)
def test_recipe_smoke_run(recipe_path, tmp_path):
    # an enrolment curve: one random size and the neutral composition, which needs 4 neutral utterances per
    # speaker (16 utterances cycle through 4 emotions)
    more = (["corpus.utterances=16", "enrolment_curve.sizes=[4]", "enrolment_curve.compositions=[neutral]"]
            if "enrolment_curve" in recipe_path.read_text() else [])
    if "attacker_corpus" in recipe_path.read_text():  # other speakers of the same synthetic features
        more += ["attacker_corpus.name=synthetic", "attacker_corpus.root=", "attacker_corpus.seed=1",
                 "attacker_corpus.speakers=4", "attacker_corpus.utterances=8", "attacker_corpus.per_speaker=5"]
    if "\nnested:" in recipe_path.read_text():  # inner speaker sets need 3 of each gender; outer groups need LOSO
        more += ["corpus.speakers=12", "evaluation.emotion_folds=0", "nested.candidates=[adversarial,pca]"]
    recipe = load_recipe(recipe_path, TINY + more + [f"output={tmp_path}"])
    report_dir, results = run_recipe(recipe)
    if recipe.enrolment_curve.enrolments():  # one report per enrolment, methods reading no statistics once
        reports = {p.parent.name for p in report_dir.glob("enrolment-*/report.json")}
        assert reports == {"enrolment-none", *(f"enrolment-{e.label.replace(' ', '-')}"
                                               for e in recipe.enrolment_curve.enrolments())}
        assert f"speaker_norm, enrolment {recipe.enrolment_curve.enrolments()[0].label}" in [r.method for r in results]
        assert (report_dir / "enrolment.md").exists() and (report_dir / "enrolment.png").exists()
        return
    report = json.loads((report_dir / "report.json").read_text())
    nested = (recipe.nested.label,) if recipe.nested.candidates else ()
    assert [r["method"] for r in report["results"]] == list(recipe.evaluation.methods + recipe.sweep.specs() + nested)
    if nested:  # each outer group's choice, with every candidate's inner results
        assert (report_dir / "selection.md").read_text().count("✓") == len(report["nested"]["choices"]) == 3
    assert report["recipe"]["name"] == recipe.name
    if recipe.attacker_corpus.name:
        assert any(n.startswith("other corpus:") for n in report["results"][0]["attackers"]["gender_leakage"])
    assert (report_dir / "report.md").exists() and (report_dir / "frontier.png").exists()
    assert (report_dir / "sweep.png").exists() == bool(recipe.sweep.parameter)
