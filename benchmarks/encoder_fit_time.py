"""Seconds per fit on EMO-DB ComParE (one thread): 8 training speakers, as in one evaluation fold."""
import os
import time
import numpy as np
from threadpoolctl import threadpool_limits
from emoshield.features import read_features, align_features
from emoshield.manifest import read_manifest
from emoshield.privacy import AdversarialEncoder, EncoderConfig, autoencoder

RUN = os.environ.get("EMOSHIELD_RUN", "runs/baseline-emodb")  # made by: python benchmarks/baseline_table.py emodb
m = read_manifest(f"{RUN}/manifest.csv")
X = align_features(read_features(f"{RUN}/features.parquet"), m)
train = ~m["speaker"].isin(["emodb:03", "emodb:08"]).to_numpy()
attrs = m[["speaker", "gender", "language"]].assign(label=m["valence"]).reset_index(drop=True)[train]
cases = {
    "adversarial (default)": lambda: AdversarialEncoder(),
    "ae (default)": lambda: autoencoder(),
    "seed000 config, 2 epochs": lambda: AdversarialEncoder(config=EncoderConfig.seed000(), epochs=2),
}
with threadpool_limits(1):
    for name, make in cases.items():
        times = []
        for _ in range(2 if "seed000" not in name else 1):
            t = time.perf_counter(); enc = make().fit(X[train], attrs); times.append(time.perf_counter() - t)
        print(f"{name}: {train.sum()} x {X.shape[1]}, {enc.epochs} epochs: {min(times):.1f} s per fit ({min(times) / enc.epochs:.2f} s/epoch)", flush=True)
