"""The data steps every experiment takes: a corpus into a manifest, a manifest into a feature file.

Each step shows a progress bar and says what went wrong (rejected files, failed
extractions) without stopping on it. Used by recipes (``emoshield run``), the
attack study and the commands that take these steps one at a time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from emoshield.anonymise.batch import anonymise_files
from emoshield.anonymise.spec import McAdams, split_audio_method
from emoshield.backends import Compute
from emoshield.corpora import load_corpus
from emoshield.errors import AudioError, ConfigError
from emoshield.features import (
    Failure,
    FeatureSet,
    align_features,
    drop_failed,
    extract_features,
    write_failures,
    write_features,
)
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
    _say_failures(result.failures)
    done = len(files) - len(result.failures)
    console.print(
        f"wrote {feature_set.value} features of {done}/{len(files)} files to {output}"
        + (f"; failures listed in {failures_path}" if result.failures else "")
    )
    return result.frame


def anonymise_to_folder(manifest: pd.DataFrame, anonymiser: McAdams, out_dir: Path, compute: Compute) -> pd.DataFrame:
    """Anonymise every file of the manifest into ``out_dir`` (``anonymise.batch``) with a progress bar; write
    ``out_dir/manifest.csv`` (the anonymised files, paths relative to it, with ``source`` and ``mcadams_alpha``
    columns) and its failure list; say what happened. Returns that manifest with absolute paths."""
    files = manifest["file"].tolist()
    with progress_bar(f"anonymising, {anonymiser.spec}", len(files)) as advance:
        outcomes = anonymise_files(files, anonymiser, out_dir, compute, progress=advance)
    done = {o.source: o for o in outcomes if not o.reason}
    failures = [Failure(o.source, o.reason) for o in outcomes if o.reason]
    if not done:
        raise AudioError(f"none of the {len(failures)} file(s) could be anonymised by {anonymiser.spec}; "
                         f"first: {failures[0].file}: {failures[0].reason}")
    kept = manifest[manifest["file"].isin(done)]
    anonymised = kept.assign(file=[done[f].file for f in kept["file"]], source=kept["file"],
                             mcadams_alpha=[round(done[f].alpha, 6) for f in kept["file"]]).reset_index(drop=True)
    path = write_manifest(anonymised.assign(file=[os.path.relpath(f, out_dir) for f in anonymised["file"]]),
                          out_dir / "manifest.csv")
    failures_path = write_failures(failures, path)
    _say_failures(failures)
    resumed = sum(o.resumed for o in done.values())
    console.print(f"wrote {len(done)}/{len(files)} files anonymised by {anonymiser.spec} to {out_dir / 'audio'}"
                  + (f" ({resumed} from an earlier run)" if resumed else "") + f"; manifest {path}"
                  + (f"; failures listed in {failures_path}" if failures else ""))
    return anonymised


def anonymised_views(manifest: pd.DataFrame, methods: Sequence[str], feature_set: FeatureSet, out_dir: Path,
                     compute: Compute) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """For every anonymiser the audio-level ``methods`` name: the manifest's audio anonymised into
    ``out_dir/<anonymiser>`` and its ``feature_set`` features, row for row with the manifest. Returns those
    features by anonymiser spec, and the manifest without the files any anonymiser or extraction failed on."""
    anonymisers = {a.spec: a for a in (split_audio_method(m)[0] for m in methods) if a is not None}
    anonymised: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for spec, anonymiser in anonymisers.items():
        folder = out_dir / anonymiser.slug
        rows = anonymise_to_folder(manifest, anonymiser, folder, compute)
        frame = extract_to_file(rows, feature_set, folder / "features.parquet", None, compute)
        rows, _ = drop_failed(rows, folder / "features.parquet")
        anonymised[spec] = (rows.set_index("source"), frame)
    keep = np.ones(len(manifest), dtype=bool)
    for rows, _ in anonymised.values():
        keep &= manifest["file"].isin(rows.index).to_numpy()
    if not keep.all():
        console.print(f"[yellow]left out {int((~keep).sum())} file(s) whose anonymisation or its extraction failed[/yellow]")
    manifest = manifest[keep].reset_index(drop=True)
    views = {spec: align_features(frame, rows.loc[manifest["file"]].reset_index(drop=True))
             for spec, (rows, frame) in anonymised.items()}
    return views, manifest


def _say_failures(failures: Sequence[Failure], shown: int = 20) -> None:
    for failure in failures[:shown]:
        console.print(f"[yellow]failed[/yellow] {failure.file}: {failure.reason}")
    if len(failures) > shown:
        console.print(f"[yellow]... {len(failures)} failures in all[/yellow]")
