"""The data steps every experiment takes: a corpus into a manifest, a manifest into a feature file.

Each step shows a progress bar and says what went wrong (rejected files, failed
extractions) without stopping on it. Used by recipes (``emoshield run``), the
attack study and the commands that take these steps one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from emoshield.backends import Compute
from emoshield.corpora import load_corpus
from emoshield.errors import ConfigError
from emoshield.features import FeatureSet, extract_features, write_failures, write_features
from emoshield.manifest import write_manifest
from emoshield.progress import console, progress_bar
from emoshield.synthetic import SyntheticSpec, generate_corpus, plan_utterances


@dataclass(frozen=True)
class CorpusConfig:
    """Where the utterances come from: a named corpus (or several, joined by '+') or the synthetic one."""

    name: str = "synthetic"
    root: str = ""  # for several corpora: roots joined by '+', in the same order
    speakers: int = 12  # synthetic only
    utterances: int = 24  # synthetic only
    seed: int = 0  # synthetic only
    imbalanced: bool = False  # synthetic only: 2 to 80 utterances per speaker, skewed emotions
    skew: float = 0.0  # synthetic only: each speaker's share of utterances in its own dominant valence


@dataclass(frozen=True)
class FeatureConfig:
    set: FeatureSet = FeatureSet.COMPARE2016
    workers: int = 0  # 0: every core


def synthesise(out_dir: Path, spec: SyntheticSpec) -> pd.DataFrame:
    """Generate the synthetic corpus into ``out_dir`` with a progress bar; its manifest."""
    with progress_bar("synthesising", sum(len(plan) for plan in plan_utterances(spec))) as advance:
        return generate_corpus(out_dir, spec, progress=advance)


def manifest_of(corpus: CorpusConfig, out_dir: Path) -> pd.DataFrame:
    """The manifest of a recipe's corpus (several corpora joined by '+'), also written into ``out_dir``."""
    if corpus.name == "synthetic":
        spec = SyntheticSpec(n_speakers=corpus.speakers, utterances_per_speaker=corpus.utterances, seed=corpus.seed,
                             imbalanced=corpus.imbalanced, skew=corpus.skew)
        return synthesise(out_dir / "corpus", spec)
    names, roots = corpus.name.split("+"), corpus.root.split("+")
    if len(names) != len(roots):
        raise ConfigError(f"corpus: {len(names)} name(s) but {len(roots)} root(s) ({corpus.name} / {corpus.root})")
    frames = []
    for name, root in zip(names, roots):
        result = load_corpus(name, root)
        for rejected in result.rejected[:5]:
            console.print(f"[yellow]rejected[/yellow] {rejected.path}: {rejected.reason}")
        frames.append(result.manifest)
    manifest = pd.concat(frames, ignore_index=True)
    write_manifest(manifest, out_dir / "manifest.csv")
    return manifest


def extract_to_file(manifest: pd.DataFrame, feature_set: FeatureSet, output: Path, cache_dir: Path | None,
                    compute: Compute) -> pd.DataFrame:
    """Extract, write the feature file and its failure list, and say what happened."""
    files = manifest["file"].tolist()
    with progress_bar(f"extracting {feature_set.value}", len(files)) as advance:
        result = extract_features(files, feature_set, compute, cache_dir=cache_dir, progress=advance)
    write_features(result.frame, output)
    failures_path = write_failures(result.failures, output)
    for file, note in result.notes[:5]:
        console.print(f"[cyan]note[/cyan] {file}: {note}")
    if len(result.notes) > 5:
        console.print(f"[cyan]... {len(result.notes)} notes in all[/cyan]")
    for failure in result.failures[:20]:
        console.print(f"[yellow]failed[/yellow] {failure.file}: {failure.reason}")
    done = len(files) - len(result.failures)
    console.print(
        f"wrote {feature_set.value} features of {done}/{len(files)} files to {output}"
        + (f"; failures listed in {failures_path}" if result.failures else "")
    )
    return result.frame
