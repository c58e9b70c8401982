"""The attack study end to end from its tiny recipe (CI), as a user runs it; resuming; leakage bookkeeping."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

#: Slow (whole attack studies on synthetic corpora); `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

RECIPE = Path(__file__).resolve().parents[2] / "configs" / "attack_study_tiny.yaml"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("attack-study") / "out"
    result = subprocess.run([sys.executable, "-m", "emoshield", "attack", "study", "--config", str(RECIPE), "-o", str(out)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    assert "## Table 2, splice, at pool1" in result.stdout
    return out


def test_the_tiny_study_reports_every_mode_scenario_and_layer(study):
    report = json.loads((study / "report.json").read_text())
    entries = report["leakage"]
    assert {e["mode"] for e in entries} == {"splice", "probe", "panel"} and {e["layer"] for e in entries} == {"pool1", "dense2"}
    eers = report["speaker_eer"]  # speaker verification from the input and each layer
    assert list(eers) == ["input", "pool1", "dense2"]
    assert all(len(s["per_fold"]) == 2 for layer in eers.values() for s in layer["scorers"].values())
    # the synthetic speakers differ by construction (pitch, formants), and the cosine and LDA scorers on the input
    # train nothing stochastic: the best of them links voices far better than chance (0.285 measured; 0.5 is chance)
    assert min(s["mean"] for s in eers["input"]["scorers"].values()) < 0.4
    assert {(e["scenario"], e["attacker"]) for e in entries if e["mode"] == "splice"} == {
        ("worst", "vgg"), ("s1", "vgg"), ("s2", "resnet"), ("s3", "resnet")}
    assert {e["scenario"] for e in entries if e["mode"] == "panel"} == {"target data", "other corpus"}
    for entry in entries:
        assert entry["n"] == report["data"]["target_utterances"] and len(entry["per_fold"]) == 2
        assert entry["ci95"][0] <= entry["accuracy"] <= entry["ci95"][1] and entry["chance"] == pytest.approx(0.5)
        weighted = sum(entry["per_emotion"][e] * n for e, n in entry["emotion_counts"].items()) / entry["n"]
        assert weighted == pytest.approx(entry["accuracy"])  # leakage per emotion, weighted by counts, is the overall
    assert len(report["target_uar"]) == 2 and (study / "fig3_depth.png").stat().st_size > 0
    assert {"data", "pretraining", "study"} <= set(report["seconds"]) and "Time (wall" in (study / "report.md").read_text()
    markdown = (study / "report.md").read_text()
    assert "## Fig. 3 as numbers: probe" in markdown and "Table 2, eer" not in markdown  # eer links, it has its own table
    folds = [json.loads(p.read_text()) for p in sorted((study / "folds").iterdir())]
    assert all({"target", "splice", "probe", "panel", "eer"} == set(f["seconds"]) for f in folds)
    assert sorted(p.name for p in (study / "pretrained").iterdir()) == ["resnet-logmel.pt", "vgg-logmel.pt"]  # shared start
    # (S4's LSTM is never trained: it can neither splice nor probe a CNN's layer, so it is not pretrained either)


def test_table4_from_two_reports_and_a_clear_error_for_a_missing_one(study, tmp_path):
    report = str(study / "report.json")
    done = subprocess.run([sys.executable, "-m", "emoshield", "attack", "table4", "--llds", report,
                           "--spectrograms", report], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "## Table 4, splice, at pool1" in done.stdout and "| s2 | resnet |" in done.stdout
    missing = subprocess.run([sys.executable, "-m", "emoshield", "attack", "table4", "--llds", str(tmp_path / "no.json"),
                              "--spectrograms", report], capture_output=True, text=True)
    assert missing.returncode == 1 and "--llds" in missing.stderr and "Traceback" not in missing.stderr


def test_a_resumed_study_fits_nothing(study):
    from emoshield.attacks.recipe import load_attack_recipe, prepare_corpus
    from emoshield.attacks.study import planned_steps, run_study

    recipe = load_attack_recipe(RECIPE)
    target = prepare_corpus(recipe.target, study / "data" / "target")
    other = prepare_corpus(recipe.other, study / "data" / "other")

    def written() -> dict[str, int]:
        return {str(p): p.stat().st_mtime_ns for folder in ("folds", "attackers", "targets", "parts")
                for p in (study / folder).rglob("*")}

    before = written()
    assert planned_steps(recipe.study, True, study) == 0 < planned_steps(recipe.study, True)
    fits = []
    results = run_study(target, other, recipe.study, study, advance=lambda: fits.append(1))
    assert fits == [] and len(results) == 2
    assert written() == before
    # the other corpus's splice attackers (S1 vgg, S3 resnet; generic and aware) were trained once, not per fold
    assert sorted(p.name for p in (study / "attackers").glob("*.pt")) == [
        "s1-vgg-aware.pt", "s1-vgg-generic.pt", "s3-resnet-aware.pt", "s3-resnet-generic.pt"]
    assert sorted(p.name for p in (study / "attackers" / "fold-1").glob("*.pt")) == [  # and those on T's speakers per fold
        "s2-resnet-aware.pt", "s2-resnet-generic.pt", "worst-vgg-aware.pt", "worst-vgg-generic.pt"]
    # other settings are not read from the old folds
    changed = replace(recipe.study, modes=("panel",), layers=("pool1",))
    run_study(target, other, changed, study, advance=lambda: fits.append(1))
    assert len(fits) > 0


def test_a_defended_target_is_studied_like_any_other(study, tmp_path):
    from emoshield.attacks.recipe import load_attack_recipe, prepare_corpus
    from emoshield.attacks.report import leakage
    from emoshield.attacks.study import planned_steps, run_study

    recipe = load_attack_recipe(RECIPE)
    target = prepare_corpus(recipe.target, study / "data" / "target")
    settings = replace(recipe.study, scenarios=("worst", "s2"), modes=("panel",), layers=("pool1",), defence=1.0)
    steps = []
    results = run_study(target, None, settings, tmp_path, advance=lambda: steps.append(1))
    assert len(steps) == planned_steps(settings, has_other_corpus=False)  # the progress bar's total is what runs
    assert all(r["settings"]["defence"] == 1.0 for r in results)
    assert {e["scenario"] for e in leakage(results, target)} == {"target data"}


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*.pt")}


def test_a_mode_added_to_a_finished_study_refits_no_network(study, tmp_path):
    from emoshield.attacks.recipe import load_attack_recipe, prepare_corpus
    from emoshield.attacks.study import planned_steps, run_study
    from emoshield.attacks.train import FitSettings

    recipe = load_attack_recipe(RECIPE)
    target = prepare_corpus(recipe.target, study / "data" / "target")
    settings = replace(recipe.study, scenarios=("worst", "s2"), modes=("splice", "probe"), layers=("pool1",),
                       training=FitSettings(epochs=1))
    run_study(target, None, settings, tmp_path)
    networks = _mtimes(tmp_path)
    assert len(networks) == 2 + 2 * 4  # T and four splice attackers per fold
    more = replace(settings, modes=("splice", "probe", "panel"))
    assert planned_steps(more, False, tmp_path) == 2  # a scoring per fold, no fit
    steps = []
    results = run_study(target, None, more, tmp_path, advance=lambda: steps.append(1))
    assert len(steps) == 2
    assert _mtimes(tmp_path) == networks  # no network (T, attacker, probe) fitted again
    assert {r["mode"] for result in results for r in result["records"]} == {"splice", "probe", "panel"}


def test_a_defence_sweep_trains_the_splice_attackers_once_for_every_strength(study, tmp_path):
    from emoshield.attacks.recipe import load_attack_recipe, prepare_corpus
    from emoshield.attacks.study import planned_steps, run_study
    from emoshield.attacks.train import FitSettings

    recipe = load_attack_recipe(RECIPE)
    target = prepare_corpus(recipe.target, study / "data" / "target")
    settings = replace(recipe.study, scenarios=("worst",), modes=("splice",), layers=("pool1",),
                       training=FitSettings(epochs=1))
    undefended = run_study(target, None, settings, tmp_path / "defence-0", models=tmp_path)
    attackers = _mtimes(tmp_path / "attackers")
    assert len(attackers) == 2 * 2  # A_g and A_a per fold
    defended = replace(settings, defence=1.0)
    assert planned_steps(defended, False, tmp_path / "defence-1", tmp_path) == 2 + 2  # T and the scoring per fold
    run_study(target, None, defended, tmp_path / "defence-1", models=tmp_path)
    assert _mtimes(tmp_path / "attackers") == attackers
    assert len(_mtimes(tmp_path / "defence-1" / "targets")) == 2 and undefended[0]["settings"]["defence"] == 0


def test_folds_and_attackers_in_parallel_processes_give_what_one_process_gives(study, tmp_path):
    from emoshield.attacks.recipe import load_attack_recipe, prepare_corpus
    from emoshield.attacks.study import run_study
    from emoshield.attacks.train import FitSettings
    from emoshield.backends import Compute

    recipe = load_attack_recipe(RECIPE)
    target = prepare_corpus(recipe.target, study / "data" / "target")
    other = prepare_corpus(recipe.other, study / "data" / "other")
    settings = replace(recipe.study, scenarios=("worst", "s1"), modes=("splice", "probe"), layers=("pool2",),
                       training=FitSettings(epochs=1))
    alone = run_study(target, other, settings, tmp_path / "one")
    parallel = run_study(target, other, settings, tmp_path / "two", compute=Compute(workers=2))
    assert [r["records"] for r in parallel] == [r["records"] for r in alone]
    assert [r["target_uar"] for r in parallel] == [r["target_uar"] for r in alone]


def test_a_target_trained_on_llds_is_studied_with_attackers_that_read_llds(study, tmp_path):
    from emoshield.attacks.recipe import load_attack_recipe, prepare_corpus
    from emoshield.attacks.report import leakage
    from emoshield.attacks.study import run_study
    from emoshield.attacks.train import FitSettings

    recipe = load_attack_recipe(RECIPE)
    target = prepare_corpus(recipe.target, study / "data" / "target")
    settings = replace(recipe.study, features="lld", scenarios=("worst", "s2"), modes=("splice", "probe"),
                       layers=("pool1",), training=FitSettings(epochs=1))
    results = run_study(target, None, settings, tmp_path)
    assert {(e["mode"], e["scenario"], e["attacker"]) for e in leakage(results, target)} == {
        ("splice", "worst", "vgg"), ("splice", "s2", "resnet"), ("probe", "worst", "vgg"), ("probe", "s2", "resnet")}


def test_leakage_by_intensity_weighted_by_counts_is_the_overall(study):
    import numpy as np

    from emoshield.attacks.recipe import load_attack_recipe, prepare_corpus
    from emoshield.attacks.report import leakage

    recipe = load_attack_recipe(RECIPE)
    target = prepare_corpus(recipe.target, study / "data" / "target")
    target.facets = {"intensity": np.where(np.arange(len(target.speakers)) % 3 == 0, "strong", "normal")}
    results = [json.loads(p.read_text()) for p in sorted((study / "folds").iterdir())]
    for entry in leakage(results, target):
        shares = {v: np.mean(target.facets["intensity"] == v) for v in ("normal", "strong")}
        weighted = sum(entry["per_intensity"][v] * shares[v] for v in shares)
        assert weighted == pytest.approx(entry["accuracy"])


def test_every_attack_recipe_loads():
    from emoshield.attacks.recipe import load_attack_recipe

    recipes = sorted(RECIPE.parent.glob("attack_*.yaml"))
    assert RECIPE in recipes
    for path in recipes:
        assert load_attack_recipe(path).study.layers


def test_a_recipe_whose_second_corpus_is_the_target_is_refused(tmp_path):
    recipe = tmp_path / "same.yaml"
    recipe.write_text("target: {name: synthetic, seed: 1}\nother: {name: synthetic, seed: 1}\n")
    result = subprocess.run([sys.executable, "-m", "emoshield", "attack", "study", "--config", str(recipe), "-o",
                             str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "other: the second corpus is the target corpus itself" in result.stderr
