"""Speaker-disjoint trade-off check of encoder settings on EMO-DB ComParE (seed-000 style).

5 folds; each holds out one female and one male speaker, trains on the other 8.
Per fold: fit the method on the 8 training speakers; fresh attackers trained on
the training speakers' released code: logistic regression and RBF SVM (grid) for
gender; RBF SVM (grid) for valence. Scores are UAR pooled over the 5 folds.
usage: sweep.py NAME JSON_PARAMS [NAME JSON_PARAMS ...]   (params of AdversarialEncoder; "raw" = min-max)
"""
import json, os, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
from emoshield.features import read_features, align_features
from emoshield.manifest import read_manifest
from emoshield.evaluation.attackers import AttackerView, make_panel
from emoshield.evaluation.metrics import uar, equal_error_rate
from emoshield.evaluation.verification import verification_scores
from emoshield.methods import MinMaxRaw
from emoshield.evaluation.svm import RbfSvmGrid
from emoshield.privacy import AdversarialEncoder, EncoderConfig

RUN = os.environ.get("EMOSHIELD_RUN", "runs/baseline-emodb")  # made by: python benchmarks/baseline_table.py emodb
m = read_manifest(f"{RUN}/manifest.csv")
X = align_features(read_features(f"{RUN}/features.parquet"), m)
spk, gen, val = (m[c].to_numpy(str) for c in ("speaker", "gender", "valence"))
attrs = m[["speaker", "gender", "language"]].assign(label=val).reset_index(drop=True)
females = sorted(set(spk[gen == "female"])); males = sorted(set(spk[gen == "male"]))
folds = [np.isin(spk, [f, mm]) for f, mm in zip(females, males)]


def make(params):
    if params == "raw":
        return MinMaxRaw()
    params = dict(params)
    if "config" in params:
        params["config"] = EncoderConfig(**params["config"])
    return AdversarialEncoder(**params)


def run(name, params):
    truth = {"gender": [], "valence": []}; pred = {"g_logreg": [], "g_svm": [], "valence": []}; secs = []; trials = []
    for k, test in enumerate(folds):
        tr, te = np.where(~test)[0], np.where(test)[0]
        t = time.perf_counter()
        enc = make(params).fit(X[tr], attrs.iloc[tr].reset_index(drop=True))
        secs.append(time.perf_counter() - t)
        ztr, zte = enc.transform(X[tr]), enc.transform(X[te])
        view = AttackerView().fit(ztr); atr, ate = view.transform(ztr), view.transform(zte)
        panel = make_panel(("logreg", "svm"), k)
        for a in panel:
            pred[f"g_{a}"].append(panel[a].fit(atr, gen[tr], spk[tr]).predict(ate))
        pred["valence"].append(RbfSvmGrid(random_state=k).fit(ztr, val[tr], spk[tr]).predict(zte))
        trials.append(verification_scores(ztr, spk[tr], zte, spk[te], k))
        truth["gender"].append(gen[te]); truth["valence"].append(val[te])
    g = np.concatenate(truth["gender"]); v = np.concatenate(truth["valence"])
    row = dict(name=name, valence=uar(v, np.concatenate(pred["valence"])),
               gender_logreg=uar(g, np.concatenate(pred["g_logreg"])), gender_svm=uar(g, np.concatenate(pred["g_svm"])),
               fit_s=float(np.mean(secs)),
               eer=min(equal_error_rate(np.concatenate([t[s][0] for t in trials]), np.concatenate([t[s][1] for t in trials])) for s in trials[0]))
    print(json.dumps({k: round(x, 3) if isinstance(x, float) else x for k, x in row.items()}), flush=True)


with threadpool_limits(1):
    args = sys.argv[1:]
    for name, params in zip(args[::2], args[1::2]):
        run(name, json.loads(params))
