"""Experiments: a recipe (YAML) runs corpus -> features -> evaluation -> report, with an optional sweep.

    corpus:     {name: emodb, root: ../shared/corpora/emodb}      # or name: synthetic
    features:   {set: compare2016}
    evaluation: {methods: [raw, pca], target: valence, repeats: 5, enrolment: 10}
    attacker_corpus: {name: ravdess, root: ../shared/corpora/ravdess, per_speaker: 20}  # optional
    sweep:      {parameter: latent, values: [8, 32, 128], method: adversarial}   # optional
    nested:     {candidates: ["adversarial", "adversarial(kl_weight=0.3)"]}      # optional, instead of a sweep
    output: runs/table2-emodb

Overrides use dotted keys: ``evaluation.repeats=1``, ``corpus.speakers=8``,
``evaluation.methods=raw,pca``. ``emoshield evaluate`` and ``sweep`` take the
same steps from files already extracted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from emoshield.backends import Compute
from emoshield.config import apply_overrides, build, plain, read_yaml_mapping
from emoshield.errors import ConfigError
from emoshield.evaluation import Evaluation, EvaluationSettings
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.nested import NestedSelection
from emoshield.features import align_features, drop_failed
from emoshield.pipeline import CorpusConfig, FeatureConfig, extract_to_file, manifest_of
from emoshield.reporting import (
    EnrolmentCurve,
    SweepConfig,
    enrolment_curve_to_report,
    evaluate_to_report,
    nested_to_report,
    sweep_to_report,
)


@dataclass(frozen=True)
class AttackerCorpus(CorpusConfig):
    """Optional: another corpus an attacker has (the released encoder is public, so an attacker can pass
    any corpus through it); gender attackers also learn from ``per_speaker`` utterances of each of its
    speakers. An empty ``name``: none."""

    name: str = ""
    per_speaker: int = 20


@dataclass(frozen=True)
class Recipe:
    name: str = "experiment"
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    evaluation: EvaluationSettings = field(default_factory=lambda: EvaluationSettings(compute=Compute(workers=None)))
    sweep: SweepConfig = field(default_factory=SweepConfig)
    enrolment_curve: EnrolmentCurve = field(default_factory=EnrolmentCurve)
    attacker_corpus: AttackerCorpus = field(default_factory=AttackerCorpus)
    nested: NestedSelection = field(default_factory=NestedSelection)
    output: str = "runs/experiment"

    def __post_init__(self) -> None:
        if sum(map(bool, (self.sweep.parameter, self.enrolment_curve.enrolments(), self.nested.candidates))) > 1:
            raise ConfigError("a recipe has at most one of a sweep, an enrolment curve and a nested selection")

    def as_dict(self) -> dict[str, Any]:
        return plain(self)


def load_recipe(path: str | Path, overrides: Sequence[str] = ()) -> Recipe:
    """Read a YAML recipe and apply ``key.sub=value`` overrides; ConfigError names the bad key."""
    raw = apply_overrides(read_yaml_mapping(Path(path), "recipe"), overrides)
    evaluation = raw.pop("evaluation", {})
    if not isinstance(evaluation, dict):
        raise ConfigError(f"{path}: evaluation must be a section (a mapping of settings)")
    return replace(build(Recipe, raw, str(path)), evaluation=EvaluationSettings.from_recipe(evaluation, f"{path}: evaluation"))


def run_recipe(recipe: Recipe, fresh: bool = False) -> tuple[Path, Evaluation]:
    """Corpus, features and evaluation of a recipe, into ``recipe.output``; returns the report folder."""
    out = Path(recipe.output)
    recipe.sweep.specs()  # fail on a sweep without values before any work
    started = time.perf_counter()
    manifest = manifest_of(recipe.corpus, out)
    corpus_seconds = time.perf_counter() - started
    features = out / "features.parquet"
    frame = extract_to_file(manifest, recipe.features.set, features, None, Compute(workers=recipe.features.workers or None))
    timing = {"corpus": round(corpus_seconds, 1), "features": round(time.perf_counter() - started - corpus_seconds, 1)}
    public = attacker_data(recipe, out / "attacker-corpus")
    extra = {"recipe": recipe.as_dict(), "timing_seconds": timing}
    if recipe.enrolment_curve.enrolments():
        return out / "report", enrolment_curve_to_report(frame, manifest, features, recipe.evaluation,
                                                         recipe.enrolment_curve, out / "report", extra, fresh, public)
    if recipe.nested.candidates:
        return out / "report", nested_to_report(frame, manifest, features, recipe.evaluation, recipe.nested,
                                                out / "report", extra, fresh, public)
    if recipe.sweep.parameter:
        return out / "report", sweep_to_report(frame, manifest, features, recipe.evaluation, recipe.sweep,
                                               out / "report", extra, fresh, public)
    return out / "report", evaluate_to_report(frame, manifest, features, recipe.evaluation, out / "report", extra,
                                              fresh, public, anonymised=out / "anonymised")


def attacker_data(recipe: Recipe, out: Path) -> Dataset | None:
    """The recipe's attacker corpus (manifest and features in ``out``), sampled per speaker; None without one."""
    corpus = recipe.attacker_corpus
    if not corpus.name:
        return None
    manifest = manifest_of(corpus, out)
    features = out / "features.parquet"
    frame = extract_to_file(manifest, recipe.features.set, features, None, Compute(workers=recipe.features.workers or None))
    manifest, _ = drop_failed(manifest, features)
    data = Dataset.from_manifest(align_features(frame, manifest), manifest, recipe.evaluation.target)
    return data.sample(corpus.per_speaker, recipe.evaluation.seed)


