"""An attack study's recipe: from its corpora to the study's report (the steps ``emoshield attack study`` takes).

A recipe names the target corpus (T trains and attacks are scored on it), an
optional second corpus (the attackers' "other" data) and the study's settings::

    name: attack-study
    target: {name: ravdess, root: ../shared/corpora/ravdess}
    other: {name: emodb, root: ../shared/corpora/emodb}
    study: {target_arch: vgg, other_archs: [vgg_deep, resnet, densenet], layers: [pool1, pool2],
            initialisation: shared}   # every architecture pretrained on the pretrain corpus first
    pretrain: {name: synthetic, speakers: 24, utterances: 16, seed: 7}
    output: runs/attack-study

Manifests and log-mel / IS09 features go to ``OUTPUT/data`` (kept: a rerun reads
them), pretrained blocks to ``OUTPUT/pretrained``, T per fold to ``OUTPUT/targets``,
the splice attackers to ``OUTPUT/attackers``, probes' records and each fold's
scoring to ``OUTPUT/parts``, finished folds to ``OUTPUT/folds``, the report to
``OUTPUT``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from emoshield.attacks.data import StudyCorpus, load_study_corpus
from emoshield.attacks.defence import frontier_row, write_frontier
from emoshield.attacks.models import Initial
from emoshield.attacks.pretrain import pretrained_blocks
from emoshield.attacks.report import leakage, write_report
from emoshield.attacks.study import StudySettings, planned_steps, run_study, timed, trained_architectures
from emoshield.backends import Compute
from emoshield.config import build, read_yaml_mapping
from emoshield.errors import ConfigError
from emoshield.features import FeatureSet
from emoshield.pipeline import CorpusConfig, extract_to_file, manifest_of
from emoshield.progress import progress_bar


@dataclass(frozen=True)
class AttackRecipe:
    name: str = "attack-study"
    target: CorpusConfig = field(default_factory=CorpusConfig)
    other: CorpusConfig = field(default_factory=lambda: CorpusConfig(name=""))  # name "": no second corpus
    pretrain: CorpusConfig = field(default_factory=lambda: CorpusConfig(speakers=24, utterances=16, seed=7))  # public speech
    study: StudySettings = field(default_factory=StudySettings)
    defences: tuple[float, ...] = ()  # gradient-reversal strengths: the study once per strength, and the frontier
    output: str = "runs/attack-study"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "defences", tuple(float(s) for s in self.defences))
        except (TypeError, ValueError):
            raise ConfigError(f"defences: a list of gradient reversal strengths, got {self.defences!r}") from None
        if any(s < 0 for s in self.defences):
            raise ConfigError(f"defences: gradient reversal strengths >= 0, got {list(self.defences)}")


def load_attack_recipe(path: Path) -> AttackRecipe:
    """Read a study recipe; ConfigError naming the file and the bad key."""
    return build(AttackRecipe, read_yaml_mapping(Path(path), "attack study recipe"), str(path))


def prepare_corpus(corpus: CorpusConfig, folder: Path) -> StudyCorpus:
    """Manifest, log-mel and IS09 LLD features of a recipe's corpus (reused when already in ``folder``)."""
    manifest = manifest_of(corpus, folder)
    paths = {}
    for feature_set in (FeatureSet.LOGMEL, FeatureSet.IS09):
        paths[feature_set] = folder / f"{feature_set.value}.parquet"
        if not paths[feature_set].exists():
            extract_to_file(manifest, feature_set, paths[feature_set], None, Compute(workers=None))
    loaded = load_study_corpus(corpus.name, manifest, paths[FeatureSet.LOGMEL], paths[FeatureSet.IS09])
    if corpus.name == "synthetic":  # two synthetic corpora are different people under the same speaker names
        loaded.speakers = np.char.add(f"seed{corpus.seed}/", loaded.speakers)
    return loaded


def run_attack_study(recipe: AttackRecipe, compute: Compute = Compute()) -> Path:
    """The whole study of a recipe, ``compute.workers`` units at once; the path of report.json (of defence.md with
    ``defences``: the study once per strength into OUTPUT/defence-S, then the frontier)."""
    if recipe.other == recipe.target:
        raise ConfigError("other: the second corpus is the target corpus itself; name another one, or none")
    if recipe.study.initialisation == "shared" and recipe.pretrain in (recipe.target, recipe.other):
        raise ConfigError("pretrain: the pretraining corpus must be public speech of other people, not the target or "
                          "the other corpus")
    out = Path(recipe.output)
    stages: dict[str, float] = {"workers": compute.workers}
    with timed(stages, "data"):
        target = prepare_corpus(recipe.target, out / "data" / "target")
        other = prepare_corpus(recipe.other, out / "data" / "other") if recipe.other.name else None
    initial = None
    if recipe.study.initialisation == "shared":
        with timed(stages, "data"):
            public = prepare_corpus(recipe.pretrain, out / "data" / "pretrain")
        archs = trained_architectures(recipe.study, other is not None)
        with progress_bar("pretraining", len(archs)) as advance, timed(stages, "pretraining"):
            initial = pretrained_blocks(archs, public, recipe.study.training, out / "pretrained", recipe.study.seed,
                                        advance, recipe.study.features)
    if not recipe.defences:
        return _study(recipe, recipe.study, target, other, initial, out, compute, stages)
    rows = []
    for strength in recipe.defences:
        settings = replace(recipe.study, defence=strength)
        report = _study(recipe, settings, target, other, initial, out / f"defence-{strength:g}", compute, dict(stages),
                        models=out)  # the splice attackers never see T: trained once for every strength
        rows.append(frontier_row(strength, json.loads(report.read_text())))
    return write_frontier(out, rows)


def _study(recipe: AttackRecipe, settings: StudySettings, target: StudyCorpus, other: StudyCorpus | None,
           initial: Initial | None, out: Path, compute: Compute, stages: dict[str, float], models: Path | None = None) -> Path:
    """One study (one defence strength) into ``out``; the path of its report.json. ``stages``: seconds so far
    by stage, to which the study's wall time is added (a resumed run times only what it fitted); ``models``:
    where the splice attackers are kept (default ``out``)."""
    title = f"attack study (defence {settings.defence:g})" if recipe.defences else "attack study"
    with progress_bar(title, planned_steps(settings, other is not None, out, models)) as advance, timed(stages, "study"):
        results = run_study(target, other, settings, out, advance, initial, compute, models)
    context = {"recipe": asdict(recipe), "settings": asdict(settings), "seconds": stages,
               "data": {"target": recipe.target.name, "other": recipe.other.name or None,
                        "target_utterances": len(target.speakers)}}
    return write_report(out, results, leakage(results, target), context)
