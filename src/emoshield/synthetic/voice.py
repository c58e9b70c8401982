"""Source-filter synthesis of one utterance (numpy + scipy.signal, no per-sample loops).

Glottal source: Rosenberg pulses on an f0 contour (declination, accent peaks,
drift, jitter, shimmer) plus pitch-synchronous aspiration noise and a spectral
tilt low-pass. Filter: a cascade of five Klatt resonators whose frequencies
follow the vowel targets (scaled by the speaker's vocal-tract length), updated
every 10 ms. Consonants: band-passed noise (fricatives, stop bursts), voiced
low-amplitude resonances (sonorants), closures. Then a speaker "microphone"
EQ and light background noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from functools import lru_cache

import numpy as np
from scipy.signal import butter, lfilter, oaconvolve, sosfilt

from emoshield.errors import ConfigError
from emoshield.synthetic.profiles import (
    CONSONANTS,
    EMOTIONS,
    LANGUAGES,
    SCHWA,
    VOWELS,
    EmotionStyle,
    Speaker,
    Syllable,
    sentence,
)

_BANDWIDTHS = np.array([80.0, 100.0, 150.0, 250.0, 300.0])
_HIGH_FORMANTS = (3500.0, 4500.0)
_LOG_FIELDS = {"f0_range", "rate", "breath", "jitter"}  # scaled in the log domain


def realise_style(emotion: str, speaker: Speaker, rng: np.random.Generator) -> EmotionStyle:
    """The emotion's style at a random per-utterance intensity, with cue noise."""
    target, neutral = EMOTIONS[emotion], EMOTIONS["neutral"]
    k = speaker.expressiveness * rng.uniform(0.45, 1.15)
    noise = {"f0_st": 1.0, "f0_range": 0.25, "rate": 0.05, "gain_db": 2.0, "open_quotient": 0.03,
             "tilt": 0.05, "breath": 0.2, "jitter": 0.2, "peak": 0.1, "declination": 1.0,
             "final": 1.0}
    values: dict[str, object] = {}
    for f in fields(EmotionStyle):
        t, n = getattr(target, f.name), getattr(neutral, f.name)
        if f.name == "formants":
            values[f.name] = tuple(float(a * (b / a) ** k * rng.normal(1, 0.01))
                                   for a, b in zip(n, t, strict=True))
        elif f.name in _LOG_FIELDS:
            values[f.name] = float(n * (t / n) ** k * np.exp(rng.normal(0, noise[f.name])))
        else:
            values[f.name] = float(n + k * (t - n) + rng.normal(0, noise[f.name]))
    return replace(target, **values)  # type: ignore[arg-type]


def _segments(syllables: Sequence[Syllable], speaker: Speaker, style: EmotionStyle,
              rng: np.random.Generator, lead: float,
              trail: float) -> list[tuple[str, int, float, float]]:
    """(symbol, syllable index, start s, end s) for every consonant and vowel."""
    lang = LANGUAGES[speaker.language]
    durs = np.array([(lang.stress_gain if s.stressed else lang.unstressed_gain)
                     for s in syllables]) / (speaker.rate * style.rate)
    durs *= np.exp(rng.normal(0, lang.duration_sd, len(durs)))
    durs[-1] *= 1.3  # final lengthening
    durs *= min(1.0, (2.45 - lead - trail) / durs.sum())  # keep utterances <= 2.5 s
    out, t = [], lead
    for i, (syl, d) in enumerate(zip(syllables, durs, strict=True)):
        parts = [(syl.onset, 0.33)] if syl.onset else []
        parts.append((syl.vowel, 0.0))
        if syl.coda:
            parts.append((syl.coda, 0.22))
        cons = sum(f for _, f in parts)
        for sym, f in parts:
            length = d * (f if f else 1 - cons)
            out.append((sym, i, t, t + length))
            t += length
    return out


def _resonator_cascade(freqs: np.ndarray, bws: np.ndarray,
                       sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Denominators (frames x 11) and unit-DC-gain numerators of 5 cascaded resonators."""
    r = np.exp(-np.pi * bws / sr)
    c1, c2 = -2 * r * np.cos(2 * np.pi * freqs / sr), r**2
    a = np.ones((len(freqs), 1))
    for k in range(freqs.shape[1]):
        nxt = np.zeros((len(a), a.shape[1] + 2))
        nxt[:, :-2] += a
        nxt[:, 1:-1] += a * c1[:, k:k + 1]
        nxt[:, 2:] += a * c2[:, k:k + 1]
        a = nxt
    return a, a.sum(axis=1)


@lru_cache(maxsize=256)
def _bandpass(lo: int, hi: int, sr: int) -> np.ndarray:
    return butter(2, [lo, min(hi, int(0.45 * sr))], btype="bandpass", fs=sr, output="sos")


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    """Hann-window moving average (ramps for piecewise-constant envelopes)."""
    w = np.hanning(max(width, 3))
    return oaconvolve(x, w / w.sum(), mode="same")


def synthesize_utterance(speaker: Speaker, syllables: Sequence[Syllable] | int = 0,
                         emotion: str = "neutral", seed: int | np.random.Generator = 0,
                         sample_rate: int = 16000) -> np.ndarray:
    """One utterance (float32 in [-1, 1]) of ``speaker`` saying ``syllables`` in ``emotion``.

    ``syllables`` may be a sentence index of the speaker's language.
    """
    rng = np.random.default_rng(seed)
    sr = sample_rate
    if isinstance(syllables, int):
        syllables = sentence(speaker.language, syllables)
    if emotion not in EMOTIONS or not syllables:
        raise ConfigError(f"synthetic: unknown emotion {emotion!r} or no syllables; "
                          f"emotions: {sorted(EMOTIONS)}")
    lang = LANGUAGES[speaker.language]
    style = realise_style(emotion, speaker, rng)
    lead, trail = rng.uniform(0.08, 0.2), rng.uniform(0.1, 0.25)
    segs = _segments(syllables, speaker, style, rng, lead, trail)
    n = int(round(max(segs[-1][3] + trail, 1.02) * sr))
    t = np.arange(n) / sr

    # --- f0 contour (semitones re the speaker's base) ---
    t0, t1 = segs[0][2], segs[-1][3]
    drift_t = np.arange(0, n / sr + 0.3, 0.15)
    st = style.f0_st + style.declination * np.clip((t - t0) / (t1 - t0), 0, 1)
    st += np.interp(t, drift_t, rng.normal(0, 0.4, len(drift_t)))
    st += style.final * np.clip((t - (t1 - 0.3)) / 0.3, 0, 1) ** 2
    for sym, i, a, b in segs:
        if sym in CONSONANTS:
            continue
        size = speaker.f0_range * style.f0_range * rng.uniform(0.7, 1.2)
        size *= 1.0 if syllables[i].stressed else 0.25
        peak, width = a + style.peak * (b - a), 0.04 + 0.4 * (b - a)
        lo, hi = int((peak - 3 * width) * sr), int((peak + 3 * width) * sr)
        lo, hi = max(lo, 0), min(hi, n)
        st[lo:hi] += size * np.exp(-0.5 * ((t[lo:hi] - peak) / width) ** 2)
    f0 = speaker.f0 * 2 ** (st / 12)

    # --- glottal source: Rosenberg pulses with jitter and shimmer ---
    jit, shim = speaker.jitter * style.jitter, speaker.shimmer * style.jitter
    period = np.floor(np.cumsum(f0 / sr)).astype(int)
    perturb = rng.normal(0, 1, (2, period[-1] + 2))
    phase = np.cumsum(f0 * (1 + jit * perturb[0, period]) / sr)
    frac, period = phase % 1.0, phase.astype(int)
    oq = float(np.clip(speaker.open_quotient + style.open_quotient, 0.3, 0.9))
    tp, tn = oq * 2 / 3, oq / 3
    flow = np.where(frac < tp, 0.5 * (1 - np.cos(np.pi * frac / np.maximum(tp, 1e-9))),
                    np.where(frac < tp + tn, np.cos(0.5 * np.pi * (frac - tp) / tn), 0.0))
    flow *= 1 + shim * perturb[1, np.minimum(period, perturb.shape[1] - 1)]
    voiced = np.diff(flow, prepend=0.0)
    voiced /= np.sqrt(np.mean(voiced**2)) + 1e-12
    breath = rng.normal(0, 1, n) * (0.4 + flow)
    breath = np.diff(breath, prepend=0.0) / 2
    voiced += speaker.breathiness * style.breath * breath

    # --- envelopes and formant targets from the segments ---
    amp_v, amp_h = np.zeros(n), np.zeros(n)
    targets = np.full((n, 3), np.nan)
    vowels = VOWELS[speaker.language]
    obstruents: list[tuple[str, int, int]] = []
    for sym, i, a, b in segs:
        lo, hi = int(a * sr), int(b * sr)
        if sym in CONSONANTS:
            kind, spec = CONSONANTS[sym]
            if kind == "sonorant":
                amp_v[lo:hi], targets[lo:hi] = 0.3, spec
            elif kind == "aspiration":
                amp_h[lo:hi] = 1.0
            else:
                obstruents.append((sym, lo, hi))
                if kind == "stop" and lang.aspirated:
                    amp_h[hi - int(0.03 * sr):hi] = 0.7
            continue
        stressed = syllables[i].stressed
        reduce = 0.0 if stressed else lang.reduction
        targets[lo:hi] = (1 - reduce) * np.array(vowels[sym]) + reduce * np.array(SCHWA)
        amp_v[lo:hi] = (1.25 if stressed else 0.85) * rng.uniform(0.85, 1.15)
    amp_v, amp_h = _smooth(amp_v, int(0.025 * sr)), _smooth(amp_h, int(0.01 * sr))
    source = voiced * amp_v + amp_h * rng.normal(0, 0.5, n)
    tilt = float(np.clip(speaker.tilt + style.tilt, 0.0, 0.9))
    source = lfilter([1 - tilt], [1, -tilt], source)

    # --- vocal tract: 10 ms frames of time-varying resonators ---
    hop = sr // 100
    centres = np.minimum(np.arange(0, n, hop) + hop // 2, n - 1)
    known = ~np.isnan(targets[:, 0])
    idx = np.flatnonzero(known)
    frame_f = np.stack([np.interp(centres, idx, targets[idx, k]) for k in range(3)], axis=1)
    frame_f = np.stack([np.convolve(np.pad(c, 2, mode="edge"), np.ones(5) / 5, "valid")
                        for c in frame_f.T], axis=1)
    frame_f = np.hstack([frame_f * np.array(style.formants),
                         np.broadcast_to(_HIGH_FORMANTS, (len(centres), 2))])
    frame_f = np.minimum(frame_f * speaker.vtl * np.array(speaker.formant_scale), 0.45 * sr)
    bws = _BANDWIDTHS * speaker.bandwidth * np.array([1 + 2 * max(oq - 0.5, 0), 1, 1, 1, 1])
    den, gain = _resonator_cascade(frame_f, np.broadcast_to(bws, frame_f.shape), sr)
    speech, zi = np.empty(n), np.zeros(den.shape[1] - 1)
    for j, s0 in enumerate(range(0, n, hop)):
        speech[s0:s0 + hop], zi = lfilter([gain[j]], den[j], source[s0:s0 + hop], zi=zi)

    # --- level, obstruent noise, microphone, background ---
    level = 10 ** ((-26 + speaker.gain_db + style.gain_db) / 20)
    speech *= level / (np.sqrt(np.mean(speech[amp_v > 0.5] ** 2)) + 1e-12)
    vtl = np.sqrt(speaker.vtl)
    for sym, lo, hi in obstruents:
        kind, band = CONSONANTS[sym]
        sos = _bandpass(int(band[0] * vtl), int(band[1] * vtl), sr)
        if kind == "stop":
            lo = lo + int(0.6 * (hi - lo))  # closure, then a decaying burst
            env = np.exp(-np.arange(hi - lo) / (0.006 * sr)) * 0.6
        else:
            env = np.hanning(hi - lo) * (0.35 if sym == "s" else 0.2)
        speech[lo:hi] += level * env * sosfilt(sos, rng.normal(0, 1, hi - lo))
    freq, gain_db = speaker.channel
    speech = _peaking_eq(speech, freq, gain_db, sr)
    noise_db, colour = speaker.room
    hiss = lfilter([np.sqrt(1 - colour**2)], [1, -colour], rng.normal(0, 1, n))
    hiss *= 10 ** ((noise_db + rng.uniform(-2, 2)) / 20)
    out = speech + hiss
    peak = np.max(np.abs(out))
    if peak > 0.95:
        out *= 0.95 / peak
    return out.astype(np.float32)


def _peaking_eq(x: np.ndarray, freq: float, gain_db: float, sr: int, q: float = 1.0) -> np.ndarray:
    """RBJ peaking biquad: a mild, speaker-specific recording channel."""
    amp, w = 10 ** (gain_db / 40), 2 * np.pi * freq / sr
    alpha = np.sin(w) / (2 * q)
    b = np.array([1 + alpha * amp, -2 * np.cos(w), 1 - alpha * amp])
    a = np.array([1 + alpha / amp, -2 * np.cos(w), 1 - alpha / amp])
    return lfilter(b / a[0], a / a[0], x)
