"""The embedded default corpus: deterministic speech-like audio with known labels.

``generate_corpus`` writes 16 kHz mono 16-bit WAV files and a manifest; each
speaker has a gender, a (synthetic) language and individual voice traits, and
says a few fixed sentences in every emotion (or, with ``imbalanced=True``,
a speaker-specific number of utterances in a skewed mix of emotions, as in
real held-out corpora; with ``skew=0.9``, 90% of each speaker's utterances in
one valence, its own, as in corpora where a speaker recorded mostly one).
See docs/synthetic.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from emoshield.errors import ConfigError
from emoshield.manifest import build_manifest, write_manifest
from emoshield.synthetic.profiles import EMOTIONS, LANGUAGES, Speaker, Syllable, sample_speaker, sentence
from emoshield.synthetic.voice import synthesize_utterance
from emoshield.types import Emotion, Gender, valence_of

__all__ = [
    "Speaker",
    "Syllable",
    "SyntheticSpec",
    "generate_corpus",
    "make_speakers",
    "plan_utterances",
    "sample_speaker",
    "sentence",
    "synthesize_utterance",
]

CORPUS = "synthetic"

#: Dirichlet concentration of each speaker's emotion mix when imbalanced (small = skewed).
EMOTION_CONCENTRATION = 0.5
#: Imbalanced utterance counts run from MIN_UTTERANCES to MAX_UTTERANCES_FACTOR x utterances_per_speaker.
MIN_UTTERANCES = 2
MAX_UTTERANCES_FACTOR = 10 / 3


@dataclass(frozen=True)
class SyntheticSpec:
    """Size and labels of a synthetic corpus.

    ``imbalanced=False`` (the default): every speaker says ``utterances_per_speaker``
    utterances, cycling through the emotions. ``imbalanced=True``: speaker counts are
    spaced geometrically from 2 to ``round(10/3 * utterances_per_speaker)`` (2 to 80
    for the default 24; mean about 0.9 x ``utterances_per_speaker`` for many speakers)
    and shuffled over the speakers by ``seed``; each speaker's emotions are drawn from
    its own ``Dirichlet(0.5)`` mix, so many speakers have mostly one emotion and some
    emotions rarely or never; the speaker with the most utterances says every emotion
    at least once, so every emotion occurs in the corpus.
    """

    n_speakers: int = 12  # split evenly by gender and language
    utterances_per_speaker: int = 24
    emotions: tuple[str, ...] = ("neutral", "happiness", "sadness", "anger")
    languages: tuple[str, ...] = ("en", "it")
    sample_rate: int = 16000
    seed: int = 0
    imbalanced: bool = False
    skew: float = 0.0  # > 0.5: each speaker's share of utterances in its own dominant valence

    def __post_init__(self) -> None:
        unknown = [e for e in self.emotions if e not in EMOTIONS]
        if unknown:
            raise ConfigError(f"synthetic: unknown emotion(s) {unknown}; known: {sorted(EMOTIONS)}")
        bad = [lang for lang in self.languages if lang not in LANGUAGES]
        if bad:
            raise ConfigError(f"synthetic: unknown language(s) {bad}; known: {sorted(LANGUAGES)}")
        if self.n_speakers < 1 or self.utterances_per_speaker < 1 or not self.emotions:
            raise ConfigError("synthetic: need at least one speaker, utterance and emotion")
        if self.sample_rate < 8000:
            raise ConfigError(f"synthetic: sample_rate {self.sample_rate} < 8000")
        if self.skew and not 0.5 <= self.skew <= 1.0:
            raise ConfigError(f"synthetic: skew is a speaker's share of its dominant valence, 0.5 to 1 (or 0), "
                              f"got {self.skew}")
        if self.skew and self.imbalanced:
            raise ConfigError("synthetic: choose skew or imbalanced, not both")
        if self.skew and len({valence_of(e) for e in self.emotions} - {""}) < 2:
            raise ConfigError(f"synthetic: skew needs emotions of both valences, got {list(self.emotions)}")


def make_speakers(spec: SyntheticSpec) -> list[Speaker]:
    """Speakers alternate female/male, then cycle through the languages; named ``synthetic:f01`` (seed 0) or
    ``synthetic:3-f01`` (seed 3)."""
    counts = {g: 0 for g in Gender}
    speakers = []
    for i in range(spec.n_speakers):
        gender = (Gender.FEMALE, Gender.MALE)[i % 2]
        language = spec.languages[(i // 2) % len(spec.languages)]
        counts[gender] += 1
        seed = f"{spec.seed}-" if spec.seed else ""  # corpora of other seeds are other people
        name = f"{CORPUS}:{seed}{gender.value[0]}{counts[gender]:02d}"
        rng = np.random.default_rng([spec.seed, 1, i])
        speakers.append(sample_speaker(name, gender, language, rng))
    return speakers


def plan_utterances(spec: SyntheticSpec) -> list[list[tuple[str, int]]]:
    """Per speaker (in ``make_speakers`` order), the (emotion, sentence index) of each utterance.

    A speaker's k-th utterance of an emotion is sentence k, so file names stay unique.
    """
    n_emotions = len(spec.emotions)
    if spec.skew:
        return [_skewed_plan(spec, s) for s in range(spec.n_speakers)]
    if not spec.imbalanced:
        return [[(spec.emotions[u % n_emotions], u // n_emotions)
                 for u in range(spec.utterances_per_speaker)] for _ in range(spec.n_speakers)]
    high = max(MIN_UTTERANCES + 1, round(MAX_UTTERANCES_FACTOR * spec.utterances_per_speaker))
    counts = np.round(np.geomspace(MIN_UTTERANCES, high, spec.n_speakers)).astype(int)
    counts = np.random.default_rng([spec.seed, 3]).permutation(counts)
    prolific = int(np.argmax(counts))
    counts[prolific] = max(counts[prolific], n_emotions)
    plans: list[list[tuple[str, int]]] = []
    for s, count in enumerate(counts):
        rng = np.random.default_rng([spec.seed, 3, s])
        mix = rng.dirichlet(np.full(n_emotions, EMOTION_CONCENTRATION))
        drawn = rng.choice(n_emotions, size=int(count), p=mix)
        if s == prolific:  # every emotion occurs somewhere in the corpus
            drawn[:n_emotions] = np.arange(n_emotions)
            drawn = rng.permutation(drawn)
        seen = [0] * n_emotions
        plan: list[tuple[str, int]] = []
        for e in drawn:
            plan.append((spec.emotions[e], seen[e]))
            seen[e] += 1
        plans.append(plan)
    return plans


def _skewed_plan(spec: SyntheticSpec, speaker: int) -> list[tuple[str, int]]:
    """A speaker whose utterances are mostly (``skew``) of one valence: positive for speakers 0, 1, 4, 5, ...,
    negative for 2, 3, 6, 7, ... (so both genders have both kinds); emotions cycle within each valence."""
    by_valence = {v: [e for e in spec.emotions if valence_of(e) == v] for v in ("positive", "negative")}
    dominant, other = ("positive", "negative") if (speaker // 2) % 2 == 0 else ("negative", "positive")
    major = round(spec.skew * spec.utterances_per_speaker)
    drawn = [by_valence[dominant][u % len(by_valence[dominant])] for u in range(major)]
    drawn += [by_valence[other][u % len(by_valence[other])] for u in range(spec.utterances_per_speaker - major)]
    order = np.random.default_rng([spec.seed, 4, speaker]).permutation(len(drawn))
    seen = dict.fromkeys(spec.emotions, 0)
    plan = []
    for emotion in (drawn[i] for i in order):
        plan.append((emotion, seen[emotion]))
        seen[emotion] += 1
    return plan


def generate_corpus(out_dir: str | Path, spec: SyntheticSpec = SyntheticSpec(),
                    progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Write ``out_dir/wav/<speaker>/<name>.wav`` and ``out_dir/manifest.csv``.

    Returns the manifest; ``progress(done, total)`` is called after each file.
    """
    out = Path(out_dir).resolve()
    speakers = make_speakers(spec)
    plans = plan_utterances(spec)
    total = sum(len(plan) for plan in plans)
    rows: list[dict[str, object]] = []
    for s, (speaker, plan) in enumerate(zip(speakers, plans, strict=True)):
        short = speaker.name.split(":")[1]
        folder = out / "wav" / short
        folder.mkdir(parents=True, exist_ok=True)
        for u, (emotion, sent) in enumerate(plan):
            signal = synthesize_utterance(speaker, sent, emotion,
                                          np.random.default_rng([spec.seed, 2, s, u]),
                                          spec.sample_rate)
            path = folder / f"{short}_{speaker.language}_s{sent:02d}_{emotion}.wav"
            pcm = np.round(np.clip(signal, -1, 1) * 32767).astype(np.int16)
            sf.write(path, pcm, spec.sample_rate, subtype="PCM_16", format="WAV")
            rows.append({
                "file": str(path), "corpus": CORPUS, "speaker": speaker.name,
                "gender": speaker.gender.value, "language": speaker.language,
                "emotion": Emotion(emotion).value, "valence": valence_of(emotion),
                "sentence": f"{speaker.language}{sent:02d}",
                "duration": round(len(pcm) / spec.sample_rate, 4),
            })
            if progress is not None:
                progress(len(rows), total)
    manifest = build_manifest(rows)
    write_manifest(manifest, out / "manifest.csv")
    return manifest
