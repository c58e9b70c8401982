"""Linkability of speakers the method never saw: closed-set identification and same-gender verification.

Both use the unseen speakers of a privacy task (its ``learn`` and ``test``
sets, released by the method fit on others):

- identification (``speaker_id_acc``): each speaker's utterances are dealt
  into folds; the panel (but gradient boosting, whose cost grows with the
  number of speakers) enrols on the other folds and names the speaker of
  each utterance of one (closed set of the unseen speakers);
- verification (``speaker_eer``, VoicePrivacy's convention): the unseen
  speakers are halved, balanced by gender; a scorer learns an embedding on one
  half and scores trials among the other, then the halves swap. Non-target
  trials pair two speakers of the same gender only: across genders, an EER
  measures gender, not identity.
"""

from __future__ import annotations

import numpy as np

from emoshield.corpora.splits import speaker_folds, utterance_folds
from emoshield.evaluation.attackers import AttackerView, identification_panel, make_panel
from emoshield.evaluation.data import Dataset, Released
from emoshield.evaluation.evidence import Evidence
from emoshield.evaluation.labels import LAZY
from emoshield.evaluation.plan import FoldTask
from emoshield.evaluation.verification import SCORERS, cosine_matrix

#: Trials kept per verification half (sampled when there are more).
MAX_TRIALS = 50_000


def measure(data: Dataset, task: FoldTask, released: Released) -> dict[str, Evidence]:
    """Identification and verification evidence. For an audio-level method, ``lazy-informed:`` attackers also
    enrol (identification) or learn their embedding (verification) on original speech, scored on the release."""
    unseen = np.r_[task.learn, task.test]
    Z = np.vstack([released.learn, released.test])
    sources = {"": Z}
    if released.original is not None:
        sources[LAZY] = np.vstack([released.original.learn, released.original.test])
    evidence = {"speaker_id_acc": identification(data, unseen, Z, task, sources)}
    trials = verification(data, unseen, Z, task.seed, sources)
    if trials is not None:
        evidence["speaker_eer"] = trials
    return evidence


def identification(data: Dataset, index: np.ndarray, Z: np.ndarray, task: FoldTask,
                   sources: dict[str, np.ndarray] | None = None) -> Evidence:
    """Each attacker's guess of the speaker of each utterance of ``Z``, from enrolment on the speaker's others,
    as ``sources`` (prefix -> the rows attackers enrol on, aligned with ``Z``; default: ``Z`` itself) has them."""
    speakers = data.speakers[index]
    panel = identification_panel(task.attackers)
    sources = {"": Z} if sources is None else sources
    by: dict[str, list] = {prefix + name: [] for prefix in sources for name in panel}
    judged = []
    for enrol, identify in utterance_folds(speakers, task.identification_folds, task.seed):
        for prefix, enrolled in sources.items():
            view = AttackerView().fit(enrolled[enrol])
            Z_enrol, Z_identify = view.transform(enrolled[enrol]), view.transform(Z[identify])
            for name, attacker in make_panel(panel, task.seed).items():
                by[prefix + name].append(attacker.fit(Z_enrol, speakers[enrol]).predict(Z_identify))
        judged.append(identify)
    order = np.concatenate(judged)
    return {"kind": "accuracy", "truth": speakers[order], "speaker": data.speaker_index[index][order],
            "by": {name: np.concatenate(parts) for name, parts in by.items()}}


def verification(data: Dataset, index: np.ndarray, Z: np.ndarray, seed: int,
                 sources: dict[str, np.ndarray] | None = None) -> Evidence | None:
    """Same-gender trials among each half of the unseen speakers, scored by embeddings learnt on the other half
    (as ``sources``, prefix -> rows aligned with ``Z``, has it; default: ``Z`` itself).

    None when no half holds two speakers of one gender (no non-target trial can be made).
    """
    sources = {"": Z} if sources is None else sources
    rng = np.random.default_rng(seed)
    halves = speaker_folds(data.speakers[index], 2, seed, stratify=data.genders[index])
    pieces = []
    for learn, trial in halves:
        i, j = same_gender_pairs(data.genders[index[trial]], rng)
        if not (data.speakers[index[trial]][i] != data.speakers[index[trial]][j]).any():
            continue
        scores = {}
        for prefix, learnt in sources.items():
            for name, scorer in SCORERS.items():
                embedding = scorer(learnt[learn], data.speakers[index[learn]]).transform(Z[trial])
                scores[prefix + name] = cosine_matrix(embedding)[i, j]
        left, right = index[trial][i], index[trial][j]
        pieces.append({"same": data.speakers[left] == data.speakers[right], "speaker": data.speaker_index[left],
                       "other": data.speaker_index[right], "by": scores})
    if not pieces:
        return None
    return {"kind": "eer", "by": {name: np.concatenate([p["by"][name] for p in pieces]) for name in pieces[0]["by"]},
            **{key: np.concatenate([p[key] for p in pieces]) for key in ("same", "speaker", "other")}}


def same_gender_pairs(genders: np.ndarray, rng: np.random.Generator, limit: int = MAX_TRIALS) -> tuple[np.ndarray, np.ndarray]:
    """Positions of every pair of utterances whose speakers share a gender (``genders`` per utterance), at most
    ``limit`` of them (sampled)."""
    i, j = np.triu_indices(len(genders), k=1)
    keep = genders[i] == genders[j]
    i, j = i[keep], j[keep]
    if len(i) > limit:
        chosen = np.sort(rng.choice(len(i), size=limit, replace=False))
        i, j = i[chosen], j[chosen]
    return i, j
