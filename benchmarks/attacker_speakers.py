"""Gender leakage against the number of speakers the attackers learnt from (issue 27, item 4).

    python benchmarks/attacker_speakers.py FEATURES MANIFEST PUBLIC_FEATURES PUBLIC_MANIFEST \
        [--methods raw,speaker_norm,adversarial] [--sizes 2,4,8,16,28] [--per-speaker 20] [--repeats 2] [--workers 2]
        [--orders corpus-first,random]

For every privacy fold of the protocol (10-utterance enrolment), the method is
fit on the fold's own speakers. The attackers' pool is the fold's attacker
speakers and every speaker of the public corpus (another corpus, passed
through the same fitted method, as an attacker can pass any corpus through a
released encoder), ``per_speaker`` utterances of each. For each size n, n
speakers from the pool (half of each gender) train the whole panel, tuned as
in the protocol, which is scored on the fold's scored speakers. Two orders:
``corpus-first`` takes the fold's attacker speakers of the evaluated corpus
before the public corpus's (with EMO-DB, n = 4 is the protocol's own attacker
set), ``random`` draws from the whole pool (seeded per fold); each size holds
the speakers of the smaller ones. Prints, per method, order and n, the
strongest attacker's gender UAR per utterance and by speaker (the majority of
a speaker's utterances), pooled over a repeat's folds, mean over repeats.
Prints its full command first.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import warnings

import numpy as np
import sklearn
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from emoshield.evaluation import evidence as ev
from emoshield.evaluation.attackers import panel_predictions
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.leakage import speaker_vote
from emoshield.evaluation.plan import EvaluationSettings, FoldTask, make_plan
from emoshield.features import align_features, drop_failed, read_features
from emoshield.manifest import read_manifest
from emoshield.types import Target


def load(features: str, manifest: str) -> Dataset:
    table, _ = drop_failed(read_manifest(manifest), features)
    return Dataset.from_manifest(align_features(read_features(features), table), table, Target.VALENCE)


def fold(data: Dataset, public: Dataset, task: FoldTask, sizes: list[int], per_speaker: int,
         orders: list[str]) -> dict[tuple[str, int], dict]:
    """Per order and size, the panel's gender predictions for the fold's scored speakers (``uar`` evidence)."""
    with threadpool_limits(limits=1), sklearn.config_context(assume_finite=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = data.fit_method(task.method, task.seed, task.fit)
        released = {part: data.release(model, index, task.enrolment, task.seed)
                    for part, index in (("learn", task.learn), ("test", task.test))}
        Z_public = public.release(model, np.arange(len(public.X)), task.enrolment, task.seed)
        rng = np.random.default_rng(task.seed)
        learn = np.concatenate([rng.permutation(np.flatnonzero(data.speakers[task.learn] == s))[:per_speaker]
                                for s in np.unique(data.speakers[task.learn])])
        Z = np.vstack([released["learn"][learn], Z_public])
        genders = np.concatenate([data.genders[task.learn][learn], public.genders])
        speakers = np.concatenate([data.speakers[task.learn][learn], public.speakers])
        pools = [rng.permutation(np.unique(speakers[genders == g])) for g in np.unique(genders)]
        own = np.unique(data.speakers[task.learn])  # a stable sort keeps the random order within each corpus
        ordered = {"random": pools,
                   "corpus-first": [pool[np.argsort(~np.isin(pool, own), kind="stable")] for pool in pools]}
        out = {}
        for order, n in ((order, n) for order in orders for n in sizes):  # each size holds the smaller ones
            chosen = np.concatenate([pool[: n // 2] for pool in ordered[order]])
            rows = np.isin(speakers, chosen)
            by = panel_predictions(task.attackers, task.seed, Z[rows], genders[rows], speakers[rows], released["test"])
            out[order, n] = {"kind": "uar", "truth": data.genders[task.test], "by": by,
                             "speaker": data.speaker_index[task.test]}
    return out


def strongest(evidence: dict) -> tuple[float, str]:
    """The highest UAR of any attacker on the evidence, and which."""
    return max((float(ev.score(evidence, name)[0]), name) for name in evidence["by"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("features", "manifest", "public_features", "public_manifest"):
        parser.add_argument(name)
    parser.add_argument("--methods", default="raw,speaker_norm,adversarial")
    parser.add_argument("--sizes", default="2,4,8,16,28")
    parser.add_argument("--per-speaker", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--orders", default="corpus-first,random")
    args = parser.parse_args()
    orders = args.orders.split(",")
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    sizes = [int(n) for n in args.sizes.split(",")]
    data = load(args.features, args.manifest)
    public = load(args.public_features, args.public_manifest).sample(args.per_speaker)
    settings = EvaluationSettings(methods=tuple(args.methods.split(",")), repeats=args.repeats, metrics=("leakage",))
    tasks = [t for t in make_plan(data, settings).tasks if t.kind == "privacy"]
    started = time.perf_counter()
    outputs = Parallel(n_jobs=args.workers)(delayed(fold)(data, public, t, sizes, args.per_speaker, orders)
                                             for t in tasks)
    wall = time.perf_counter() - started
    print("| method | order | attacker speakers | gender UAR, strongest (per utterance) | by speaker |\n"
          "|---|---|---|---|---|")
    for method, order, n in ((m, o, n) for m in settings.methods for o in orders for n in sizes):
        utterance, speaker, names = [], [], set()
        for repeat in range(settings.repeats):
            pieces = [o[order, n] for t, o in zip(tasks, outputs) if t.method == method and t.repeat == repeat]
            pooled = ev.pool(pieces)
            best, name = strongest(pooled)
            utterance.append(best)
            speaker.append(strongest(speaker_vote(pooled))[0])
            names.add(name)
        print(f"| {method} | {order} | {n} | {100 * np.mean(utterance):.1f} ({', '.join(sorted(names))}) | "
              f"{100 * np.mean(speaker):.1f} |")
    print(f"{len(tasks)} folds x {len(orders)} orders x {len(sizes)} sizes, wall {wall:.0f} s with {args.workers} "
          "workers", flush=True)


if __name__ == "__main__":
    main()
