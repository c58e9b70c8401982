"""Check that the synthetic corpus leaks speaker traits and carries emotion like real speech.

Generates the default corpus, extracts openSMILE functionals and prints, with
speaker-grouped cross-validation (GroupKFold by speaker, so test speakers are
never seen in training):

- gender accuracy of a linear classifier (and an RBF SVM) on held-out speakers
- language accuracy on held-out speakers
- valence UAR and emotion UAR (min-max scaling + RBF SVM) on held-out speakers
- speaker identification accuracy on held-out utterances (utterance-disjoint)

Run:  python benchmarks/synthetic_check.py [--feature-set ComParE_2016|eGeMAPSv02] [--seed 0]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feature-set", default="ComParE_2016",
                        choices=["ComParE_2016", "eGeMAPSv02"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="corpus folder (default: temporary)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        start = time.perf_counter()
        manifest = generate_corpus(out, SyntheticSpec(seed=args.seed))
        gen_s = time.perf_counter() - start
        start = time.perf_counter()
        x = extract(list(manifest["file"]), args.feature_set)
        feat_s = time.perf_counter() - start
    print(f"corpus: {len(manifest)} files, {manifest.speaker.nunique()} speakers, "
          f"generated in {gen_s:.1f} s; {args.feature_set} ({x.shape[1]} features) in {feat_s:.1f} s")

    groups = manifest["speaker"].to_numpy()
    folds = GroupKFold(n_splits=manifest.speaker.nunique())  # leave one speaker out
    svm = make_pipeline(MinMaxScaler(), SVC(kernel="rbf", C=10.0, gamma="scale"))
    linear = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))

    def held_out(model: object, target: str, cv: object = folds) -> tuple[float, float]:
        y = manifest[target].to_numpy()
        pred = cross_val_predict(model, x, y, groups=groups, cv=cv)
        return float(np.mean(pred == y)), float(balanced_accuracy_score(y, pred))

    results = {
        "gender, linear, held-out speakers (acc)": held_out(linear, "gender")[0],
        "gender, RBF SVM, held-out speakers (acc)": held_out(svm, "gender")[0],
        "language, RBF SVM, held-out speakers (acc)": held_out(svm, "language")[0],
        "valence, RBF SVM, held-out speakers (UAR)": held_out(svm, "valence")[1],
        "emotion, RBF SVM, held-out speakers (UAR)": held_out(svm, "emotion")[1],
        "speaker ID, RBF SVM, held-out utterances (acc)":
            held_out(svm, "speaker", StratifiedKFold(4, shuffle=True, random_state=0))[0],
    }
    chance = {"gender": 0.5, "language": 0.5, "valence": 0.5,
              "emotion": 1 / manifest.emotion.nunique(), "speaker": 1 / manifest.speaker.nunique()}
    table = pd.DataFrame({"value": results})
    table["chance"] = [chance[k.split(",")[0].split()[0]] for k in results]
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
