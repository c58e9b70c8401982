"""``emoshield attack study``: from a recipe's corpora to the study's report (the steps the command takes).

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
them), pretrained blocks to ``OUTPUT/pretrained``, the other corpus's splice
attackers to ``OUTPUT/attackers``, finished folds to ``OUTPUT/folds``, the
report to ``OUTPUT``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from emoshield.attacks.data import StudyCorpus, load_corpus
from emoshield.attacks.report import leakage, write_report
from emoshield.attacks.study import StudySettings, planned_steps, run_study
from emoshield.config import CorpusConfig, _build, read_yaml_mapping
from emoshield.errors import ConfigError


@dataclass(frozen=True)
class AttackRecipe:
    name: str = "attack-study"
    target: CorpusConfig = field(default_factory=CorpusConfig)
    other: CorpusConfig = field(default_factory=lambda: CorpusConfig(name=""))  # name "": no second corpus
    pretrain: CorpusConfig = field(default_factory=lambda: CorpusConfig(speakers=24, utterances=16, seed=7))  # public speech
    study: StudySettings = field(default_factory=StudySettings)
    output: str = "runs/attack-study"


def load_attack_recipe(path: Path) -> AttackRecipe:
    """Read a study recipe; ConfigError naming the file and the bad key."""
    return _build(AttackRecipe, read_yaml_mapping(Path(path), "attack study recipe"), str(path))


def prepare_corpus(corpus: CorpusConfig, folder: Path) -> StudyCorpus:
    """Manifest, log-mel and IS09 LLD features of a recipe's corpus (reused when already in ``folder``)."""
    from emoshield.backends import Compute
    from emoshield.experiment import build_manifest, cores, extract
    from emoshield.features import FeatureSet

    manifest = build_manifest(corpus, folder)
    paths = {}
    for feature_set in (FeatureSet.LOGMEL, FeatureSet.IS09):
        paths[feature_set] = folder / f"{feature_set.value}.parquet"
        if not paths[feature_set].exists():
            extract(manifest, feature_set, paths[feature_set], None, Compute(workers=cores(None)))
    loaded = load_corpus(corpus.name, manifest, paths[FeatureSet.LOGMEL], paths[FeatureSet.IS09])
    if corpus.name == "synthetic":  # two synthetic corpora are different people under the same speaker names
        loaded.speakers = np.char.add(f"seed{corpus.seed}/", loaded.speakers)
    return loaded


def run_attack_study(recipe: AttackRecipe, workers: int = 1) -> Path:
    """The whole study of a recipe, ``workers`` folds at once; the path of report.json."""
    from emoshield.backends import Compute
    from emoshield.progress import progress_bar

    if recipe.other == recipe.target:
        raise ConfigError("other: the second corpus is the target corpus itself; name another one, or none")
    if recipe.study.initialisation == "shared" and recipe.pretrain in (recipe.target, recipe.other):
        raise ConfigError("pretrain: the pretraining corpus must be public speech of other people, not the target or "
                          "the other corpus")
    out = Path(recipe.output)
    target = prepare_corpus(recipe.target, out / "data" / "target")
    other = prepare_corpus(recipe.other, out / "data" / "other") if recipe.other.name else None
    initial = None
    if recipe.study.initialisation == "shared":
        from emoshield.attacks.pretrain import pretrained_blocks

        public = prepare_corpus(recipe.pretrain, out / "data" / "pretrain")
        s = recipe.study
        initial = pretrained_blocks([s.target_arch, *s.other_archs, s.other_family], public, s.training,
                                    out / "pretrained", s.seed)
    with progress_bar("attack study", planned_steps(recipe.study, other is not None, out)) as advance:
        results = run_study(target, other, recipe.study, out, advance, initial, Compute(workers=workers))
    context = {"recipe": asdict(recipe), "settings": asdict(recipe.study),
               "data": {"target": recipe.target.name, "other": recipe.other.name or None,
                        "target_utterances": len(target.speakers)}}
    return write_report(out, results, leakage(results, target), context)
