"""``AdversarialEncoder``: the scikit-learn face of the adversarial autoencoder.

>>> enc = AdversarialEncoder(alpha=1.0, seed=0).fit(X_train, attributes)
>>> Z = enc.transform(X_test)                      # latent code, float32
>>> Pipeline([("enc", AdversarialEncoder()), ("svm", SVC())]).fit(X, y, enc__attributes=attributes)

``attributes`` is a DataFrame with one row per utterance and the columns of
the evaluation's ``Method`` protocol: ``speaker``, ``gender``, ``language``
(private attributes the encoder learns to hide) and ``label`` (the emotion
target, ``""`` when unlabelled; the emotion head keeps it in the code).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from emoshield.errors import ConfigError, FeatureError
from emoshield.privacy.model import ATTRIBUTES, DEFAULT_ADVERSARIES, EMOTION, AdversarialAutoencoder, EncoderConfig
from emoshield.privacy.train import MISSING, TrainSettings, seeded, torch_threads, train

_DEFAULT = TrainSettings()


class AdversarialEncoder(TransformerMixin, BaseEstimator):
    """Min-max scaling then the encoder of an autoencoder trained against private-attribute adversaries.

    Parameters
    ----------
    config: layer sizes (``EncoderConfig()`` when None; ``EncoderConfig.ali()`` for the paper's).
    alpha: gradient reversal strength; 0 trains a plain autoencoder (with the emotion head if on).
    adversaries: which of ``speaker``, ``gender``, ``language`` get an adversary head (default
        gender and language). An attribute missing from ``attributes`` or with one value gets none.
    emotion_weight: weight of the emotion head's cross-entropy; 0 = no emotion head.
    reconstruction_weight: weight of the reconstruction MSE (seed 000: 1; 0 skips the decoder).
    schedule: ``"dann"`` (lambda ramps from 0 to alpha) or ``"constant"``.
    adversary_loss: ``"reversal"`` (seed 000: the encoder maximises the heads' cross-entropy through
        the gradient reversal layer) or ``"confusion"`` (it pushes their predictions to uniform).
    epochs, batch_size, lr, weight_decay: Adam training settings.
    kl_weight: > 0 makes the latent variational (a mean and a variance per dimension; training
        reads a sample and pays ``kl_weight`` times its KL divergence from N(0, I)); the code
        released is the mean.
    adversary_steps: updates of the adversary heads per encoder update (a stronger adversary).
    head_reset: re-initialise the adversary heads every this many epochs (0: never), so the
        encoder cannot settle on fooling one head.
    adversary_split: every epoch, halve the training speakers at random: the adversary heads
        learn on one half, the encoder is pushed to fool them on the other (speakers they
        never learnt), so it hides what generalises to new speakers, not what identifies its own.
    seed: seeds weights, dropout and batch order (deterministic with ``threads=1``).
    threads: torch intra-op threads during fit and transform (1 inside evaluation workers).
    """

    def __init__(
        self,
        config: EncoderConfig | None = None,
        alpha: float = _DEFAULT.alpha,
        adversaries: Sequence[str] = DEFAULT_ADVERSARIES,
        emotion_weight: float = _DEFAULT.emotion_weight,
        reconstruction_weight: float = _DEFAULT.reconstruction_weight,
        schedule: str = _DEFAULT.schedule.value,
        adversary_loss: str = _DEFAULT.adversary_loss.value,
        epochs: int = _DEFAULT.epochs,
        batch_size: int = _DEFAULT.batch_size,
        lr: float = _DEFAULT.lr,
        weight_decay: float = _DEFAULT.weight_decay,
        kl_weight: float = _DEFAULT.kl_weight,
        adversary_steps: int = _DEFAULT.adversary_steps,
        head_reset: int = _DEFAULT.head_reset,
        adversary_split: bool = _DEFAULT.adversary_split,
        seed: int = 0,
        threads: int = 1,
    ) -> None:
        self.config = config
        self.alpha = alpha
        self.adversaries = adversaries
        self.emotion_weight = emotion_weight
        self.reconstruction_weight = reconstruction_weight
        self.schedule = schedule
        self.adversary_loss = adversary_loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.kl_weight = kl_weight
        self.adversary_steps = adversary_steps
        self.head_reset = head_reset
        self.adversary_split = adversary_split
        self.seed = seed
        self.threads = threads

    def fit(self, X, y=None, attributes: pd.DataFrame | None = None) -> "AdversarialEncoder":
        """Train on ``X`` (array or feature frame); ``y`` = emotion labels (else ``attributes.label``).

        A DataFrame passed as ``y`` is taken as ``attributes`` (the evaluation's
        ``Method.fit(X, attributes)``); in a Pipeline pass ``enc__attributes=``.
        """
        if isinstance(y, pd.DataFrame) and attributes is None:
            y, attributes = None, y
        scaled, targets, speakers = self.prepare(X, y, attributes)
        with torch_threads(self.threads), seeded(self.seed):
            self.model_ = self.network()
            self.history_ = train(self.model_, scaled, targets, self._settings(), self.seed, speakers)
        return self

    def prepare(
        self, X, y=None, attributes: pd.DataFrame | None = None, scale: tuple[float, float] | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
        """Check the inputs, set the scaling and the heads: (scaled features, targets per head, speaker codes).

        ``scale``: a fixed ``(low, span)`` for every feature instead of the min-max of ``X``.
        """
        settings = self._settings()
        values = self._record_features(X)
        y = None if y is None else np.asarray(y)  # an array-like need not have a len()
        for name, given in (("attribute", attributes), ("label", y)):
            if given is not None and len(given) != len(values):
                raise ConfigError(f"{len(given)} {name} rows for {len(values)} feature rows")
        if settings.alpha > 0 and self.adversaries and attributes is None:
            raise ConfigError("adversarial training needs attributes= (speaker, gender, language per utterance)")
        if scale is None:
            self.data_min_ = values.min(axis=0)
            span = values.max(axis=0) - self.data_min_
        else:
            self.data_min_, span = np.full(values.shape[1], scale[0], np.float32), np.full(values.shape[1], scale[1])
        self.data_scale_ = np.where(span > 0, span, 1.0).astype(np.float32)
        targets = self._targets(attributes, y, settings)
        self.heads_ = {name: int(t.max()) + 1 for name, t in targets.items()}
        speakers = None if attributes is None or "speaker" not in attributes else _codes(attributes["speaker"].to_numpy(dtype=str))
        return self._scale(values), targets, speakers

    def transform(self, X, attributes: pd.DataFrame | None = None) -> np.ndarray:
        """The latent code (n x latent, float32); a DataFrame's columns are checked against the fit's.

        ``attributes`` are accepted for the evaluation's ``Method`` protocol and not used.
        """
        check_is_fitted(self, "model_")
        if isinstance(X, pd.DataFrame):
            self.check_features(list(X.columns))
        values = _as_float32(X)
        if values.ndim != 2 or values.shape[1] != self.n_features_in_:
            raise FeatureError(f"expected {self.n_features_in_} features per row, got shape {values.shape}")
        with torch_threads(self.threads), torch.no_grad():
            self.model_.eval()
            return self.model_.code(torch.as_tensor(self._scale(values))).numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # the code is float32 whatever the input
        return tags

    def network(self) -> AdversarialAutoencoder:
        """A fresh network of this encoder's shape (``n_features_in_`` and ``heads_`` set by a fit or a load)."""
        config = self.config or EncoderConfig()
        return AdversarialAutoencoder(self.n_features_in_, self.heads_, config, variational=self.kl_weight > 0)

    def check_features(self, names: Sequence[str]) -> None:
        """FeatureError naming the first difference when ``names`` are not the features of the fit."""
        check_is_fitted(self, "model_")
        names = [str(n) for n in names]
        if len(names) != self.n_features_in_:
            raise FeatureError(f"expected {self.n_features_in_} features, got {len(names)}")
        expected = getattr(self, "feature_names_in_", None)
        if expected is None:
            return
        for i, (want, got) in enumerate(zip(expected, names)):
            if want != got:
                raise FeatureError(f"feature {i} is {got!r}, the encoder was trained with {want!r}")

    def _settings(self) -> TrainSettings:
        return TrainSettings(**{f.name: getattr(self, f.name) for f in fields(TrainSettings)})

    def _record_features(self, X) -> np.ndarray:
        """Float32 values of ``X``; names and feature set when it is a feature frame."""
        values = _as_float32(X)
        if values.ndim != 2 or len(values) < 2:
            raise FeatureError(f"need a 2-D feature matrix with 2+ rows, got shape {values.shape}")
        self.n_features_in_ = values.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.array([str(c) for c in X.columns], dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.feature_set_ = X.attrs.get("feature_set") if isinstance(X, pd.DataFrame) else None
        return values

    def _targets(self, attributes: pd.DataFrame | None, y, settings: TrainSettings) -> dict[str, np.ndarray]:
        """Integer codes per head: reversed attributes with 2+ values; emotion if weighted and labelled."""
        for name in self.adversaries:
            if name not in ATTRIBUTES:
                raise ConfigError(f"unknown adversary {name!r}; known: {', '.join(ATTRIBUTES)}")
        columns = {} if attributes is None else {c: attributes[c].to_numpy(dtype=str) for c in attributes}
        wanted = [a for a in self.adversaries if a in columns] if settings.alpha > 0 else []
        targets = {name: _codes(columns[name]) for name in wanted}
        labels = columns.get("label") if y is None else np.asarray(y).astype(str)
        if settings.emotion_weight > 0 and labels is not None:
            targets[EMOTION] = _codes(labels)
        return {name: t for name, t in targets.items() if t.max() >= 1}

    def _scale(self, values: np.ndarray) -> np.ndarray:
        return (values - self.data_min_) / self.data_scale_


def autoencoder(**params) -> AdversarialEncoder:
    """Seed 000's baseline: the same network trained only to reconstruct (no adversaries, no emotion head)."""
    return build_encoder(**{"alpha": 0.0, "adversaries": (), "emotion_weight": 0.0, **params})


def build_encoder(**params: Any) -> AdversarialEncoder:
    """An encoder from flat parameters: layer sizes (``latent=64``) and training settings (``alpha=2``) alike."""
    layer_names = {f.name for f in fields(EncoderConfig)}
    layers = {k: params.pop(k) for k in list(params) if k in layer_names}
    known = set(AdversarialEncoder().get_params())
    unknown = sorted(set(params) - known)
    if unknown:
        raise ConfigError(f"unknown encoder parameter(s) {unknown}; known: {sorted((known - {'config'}) | layer_names)}")
    if layers:
        base = params.pop("config", None) or EncoderConfig()
        params["config"] = replace(base, **layers)
    encoder = AdversarialEncoder(**params)
    encoder._settings()  # a training setting out of range fails here, not after hours of other fits
    return encoder


def _as_float32(X) -> np.ndarray:
    values = np.asarray(X)
    if np.iscomplexobj(values):  # a cast would drop the imaginary parts with a warning
        raise FeatureError("features hold complex values")
    values = values.astype(np.float32, copy=False)
    if values.size and not np.isfinite(values).all():
        raise FeatureError("features hold NaN or infinite values")
    return values


def _codes(values: np.ndarray) -> np.ndarray:
    """Integer class codes, ``MISSING`` for empty strings."""
    present = values != ""
    codes = np.full(len(values), MISSING, dtype=np.int64)
    if present.any():
        _, codes[present] = np.unique(values[present], return_inverse=True)
    return codes
