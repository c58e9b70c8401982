"""The data an evaluation runs on: features aligned with the manifest columns the protocol needs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emoshield.errors import FeatureError, ManifestError
from emoshield.evaluation.enrolment import EnrolmentPlan, EnrolmentSettings, plan_enrolment
from emoshield.methods import Method, make_method
from emoshield.methods.audio import anonymiser_of
from emoshield.types import Target


@dataclass
class Dataset:
    """Features with, per utterance, the target label (``""`` = none), speaker, gender and language
    (and, where the manifest has them, emotion and valence, which enrolment compositions read).
    ``public``: another corpus an attacker has (its speakers never among these), passed through every
    fitted method to train attackers (docs/evaluation.md, "Attackers"). ``views``: the same features of
    the same utterances' audio after an anonymiser, by its spec (``mcadams(alpha=0.8)``), for audio-level
    methods (``methods.audio``)."""

    X: np.ndarray
    labels: np.ndarray
    speakers: np.ndarray
    genders: np.ndarray
    languages: np.ndarray
    emotions: np.ndarray | None = None
    valences: np.ndarray | None = None
    public: "Dataset | None" = None
    views: dict[str, np.ndarray] = field(default_factory=dict)
    _plans: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_manifest(cls, X: np.ndarray, manifest: pd.DataFrame, target: Target) -> "Dataset":
        if len(X) != len(manifest):
            raise ManifestError(f"{len(X)} feature rows for {len(manifest)} manifest rows")
        return cls(
            X=np.asarray(X, dtype=np.float64),
            labels=manifest[target.value].to_numpy(dtype=str),
            speakers=manifest["speaker"].to_numpy(dtype=str),
            genders=manifest["gender"].to_numpy(dtype=str),
            languages=manifest["language"].to_numpy(dtype=str),
            emotions=manifest["emotion"].fillna("").to_numpy(dtype=str) if "emotion" in manifest else None,
            valences=manifest["valence"].fillna("").to_numpy(dtype=str) if "valence" in manifest else None,
        )

    def __post_init__(self) -> None:
        self.speaker_names, self.speaker_index = np.unique(self.speakers, return_inverse=True)

    def sample(self, per_speaker: int, seed: int = 0) -> "Dataset":
        """At most ``per_speaker`` utterances of each speaker, drawn with ``seed`` (in corpus order)."""
        rng = np.random.default_rng(seed)
        return self.subset(np.sort(np.concatenate([
            rng.permutation(np.flatnonzero(self.speakers == s))[:per_speaker] for s in self.speaker_names])))

    def subset(self, keep: np.ndarray) -> "Dataset":
        """The utterances ``keep`` (indices, in order), with their anonymised views; the public corpus goes along."""
        optional = {name: None if values is None else values[keep]
                    for name, values in (("emotions", self.emotions), ("valences", self.valences))}
        return Dataset(self.X[keep], self.labels[keep], self.speakers[keep], self.genders[keep],
                       self.languages[keep], **optional, public=self.public,
                       views={spec: X[keep] for spec, X in self.views.items()})

    def release_public(self, model: Method, enrolment: EnrolmentSettings | None, seed: int) -> np.ndarray | None:
        """What ``model`` releases for every utterance of the public corpus (None without one); its
        speakers enrol as the evaluated ones do."""
        if self.public is None:
            return None
        return self.public.release(model, np.arange(len(self.public.X)), enrolment, seed)

    def attributes(self, index: np.ndarray) -> pd.DataFrame:
        """What a method may use at fit time for the utterances ``index``."""
        return pd.DataFrame(
            {
                "speaker": self.speakers[index],
                "gender": self.genders[index],
                "language": self.languages[index],
                "label": self.labels[index],
            }
        )

    def fit_method(self, spec: str, seed: int, index: np.ndarray) -> Method:
        """The method ``spec`` fit on the utterances ``index`` (its features and their attributes)."""
        model = make_method(spec, seed)
        return model.fit(self.features_for(model)[index], self.attributes(index))

    def features_for(self, model: Method) -> np.ndarray:
        """The features ``model`` takes: those of the anonymised audio for an audio-level method, else ``X``."""
        anonymiser = anonymiser_of(model)
        if anonymiser is None:
            return self.X
        if anonymiser.spec not in self.views:
            raise FeatureError(f"no features of audio anonymised by {anonymiser.spec}: an audio-level method needs "
                               "the manifest's audio files (`emoshield evaluate` anonymises them first)")
        return self.views[anonymiser.spec]

    def enrolment(self, settings: EnrolmentSettings, seed: int) -> EnrolmentPlan:
        """The enrolment plan of every utterance for one repeat (kept: every method of the repeat meets it)."""
        key = (settings, seed)
        if key not in self._plans:
            self._plans[key] = plan_enrolment(self.speakers, settings, seed, self.emotions, self.valences)
        return self._plans[key]

    def release(self, model: Method, index: np.ndarray, enrolment: EnrolmentSettings | None = None,
                seed: int = 0, original: bool = False) -> np.ndarray:
        """What the fitted ``model`` releases for the utterances ``index`` (their attributes go along).

        With ``enrolment``, each utterance's speaker statistics come from its enrolment
        (``evaluation.enrolment``), never from the utterance itself; without, from every
        utterance of its speaker in ``index`` (the first protocol). ``original``: the
        original speech's features through the method, even for an audio-level one (what a
        lazy-informed attacker learns from).
        """
        attributes = self.attributes(index)
        if enrolment is not None and enrolment.utterances is not None:
            attributes = attributes.assign(**self.enrolment(enrolment, seed).columns(index))
        X = self.X if original else self.features_for(model)
        released = np.asarray(model.transform(X[index], attributes))
        if not np.isfinite(released).all():
            raise FeatureError(f"{type(model).__name__} released {int((~np.isfinite(released)).sum())} value(s) that "
                               "are NaN or infinite")
        return released

    @property
    def has_languages(self) -> bool:
        return len(np.unique(self.languages)) >= 2

    def speakers_per(self, attribute: np.ndarray) -> dict[str, int]:
        """How many speakers each value of a per-utterance attribute (gender, language) has."""
        return {str(v): len(np.unique(self.speakers[attribute == v])) for v in np.unique(attribute)}


@dataclass(frozen=True)
class Released:
    """What a fitted method releases for each speaker set of a privacy task."""

    fit: np.ndarray  # the method's own training speakers
    learn: np.ndarray  # the attackers' speakers (never seen by the method)
    test: np.ndarray  # the scored speakers (never seen by the method or the attackers)
    public: np.ndarray | None = None  # another corpus an attacker has, passed through the method
    original: "Released | None" = None  # an audio-level method: the same sets' original speech through the method
