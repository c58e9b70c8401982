"""Check that the synthetic corpus leaks speaker traits and carries emotion like real speech.

Generates the default corpus, extracts openSMILE functionals and prints, with
speaker-grouped cross-validation (GroupKFold by speaker, so test speakers are
never seen in training):

- gender accuracy of a linear classifier (and an RBF SVM) on held-out speakers
- language accuracy on held-out speakers
- valence UAR and emotion UAR (min-max scaling + RBF SVM) on held-out speakers
- speaker identification accuracy on held-out utterances (utterance-disjoint)

Run:  python benchmarks/synthetic_check.py [--feature-set ComParE_2016|eGeMAPSv02] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import opensmile
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC

from emoshield.synthetic import SyntheticSpec, generate_corpus


def extract(files: list[str], feature_set: str) -> np.ndarray:
    smile = opensmile.Smile(feature_set=opensmile.FeatureSet[feature_set],
                            feature_level=opensmile.FeatureLevel.Functionals)
    values = smile.process_files(files).to_numpy(dtype=float)
    return np.nan_to_num(values)


def evaluate(manifest: pd.DataFrame, x: np.ndarray) -> dict[str, float]:
    """Held-out-speaker gender/language/valence/emotion and utterance-disjoint speaker ID."""
    groups = manifest["speaker"].to_numpy()
    by_speaker = GroupKFold(n_splits=manifest.speaker.nunique())  # leave one speaker out
    by_utterance = StratifiedKFold(4, shuffle=True, random_state=0)
    svm = make_pipeline(MinMaxScaler(), SVC(kernel="rbf", C=10.0, gamma="scale"))
    linear = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))

    def score(model: object, target: str, uar: bool = False,
              speakers_held_out: bool = True) -> float:
        y = manifest[target].to_numpy()
        if speakers_held_out:
            pred = cross_val_predict(model, x, y, groups=groups, cv=by_speaker)
        else:
            pred = cross_val_predict(model, x, y, cv=by_utterance)
        return float(balanced_accuracy_score(y, pred) if uar else np.mean(pred == y))

    return {
        "gender acc, linear, held-out speakers": score(linear, "gender"),
        "gender acc, RBF SVM, held-out speakers": score(svm, "gender"),
        "language acc, RBF SVM, held-out speakers": score(svm, "language"),
        "valence UAR, RBF SVM, held-out speakers": score(svm, "valence", uar=True),
        "emotion UAR, RBF SVM, held-out speakers": score(svm, "emotion", uar=True),
        "speaker ID acc, RBF SVM, held-out utterances":
            score(svm, "speaker", speakers_held_out=False),
        "speaker ID acc, linear, held-out utterances":
            score(linear, "speaker", speakers_held_out=False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feature-set", default="ComParE_2016",
                        choices=["ComParE_2016", "eGeMAPSv02"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()

    columns: dict[str, dict[str, float]] = {}
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            manifest = generate_corpus(tmp, SyntheticSpec(seed=seed))
            gen_s = time.perf_counter() - start
            start = time.perf_counter()
            x = extract(list(manifest["file"]), args.feature_set)
            feat_s = time.perf_counter() - start
        print(f"seed {seed}: {len(manifest)} files, {manifest.speaker.nunique()} speakers, "
              f"generated in {gen_s:.1f} s; {args.feature_set} ({x.shape[1]} features) "
              f"in {feat_s:.1f} s", flush=True)
        columns[f"seed {seed}"] = evaluate(manifest, x)
    table = pd.DataFrame(columns)
    if len(args.seeds) > 1:
        table["mean"], table["sd"] = table.mean(axis=1), table.std(axis=1)
    n_emotions, n_speakers = manifest.emotion.nunique(), manifest.speaker.nunique()
    table["chance"] = [1 / n_speakers if k.startswith("speaker") else
                       1 / n_emotions if k.startswith("emotion") else 0.5 for k in table.index]
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
