"""From files on disk to a written FL report (the steps ``emoshield fl run`` takes)."""

from __future__ import annotations

from pathlib import Path

from emoshield.features import drop_failed, read_features
from emoshield.fl.attack import run_attack
from emoshield.fl.data import prepare_samples
from emoshield.fl.protocol import Experiment, planned_steps, run_experiment
from emoshield.fl.report import write_fl_report
from emoshield.fl.settings import FlSettings
from emoshield.manifest import read_manifest
from emoshield.progress import progress_bar


def run_fl(features: Path, manifest: Path, settings: FlSettings, out_dir: Path) -> Experiment:
    """Read, prepare (per-speaker standardisation), train and evaluate, attack if asked, report."""
    frame = read_features(features)
    table, _ = drop_failed(read_manifest(manifest), features)
    samples = prepare_samples(frame, table, settings.target, settings.max_frames)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with progress_bar("fl", planned_steps(samples, settings)) as advance:
        experiment = run_experiment(samples, settings, out_dir, advance)
    if settings.attack.enabled:

        experiment.attack = run_attack(samples, settings, out_dir)
    context = {
        "experiment": "fl",
        "inputs": {"features": str(features), "manifest": str(manifest)},
        "data": {"n_utterances": len(samples), "n_speakers": len(set(samples.speakers.tolist())),
                 "feature_set": frame.attrs.get("feature_set", ""), "n_features": samples.n_features},
    }
    write_fl_report(out_dir, experiment, context)
    return experiment
