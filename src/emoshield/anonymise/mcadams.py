"""The McAdams-coefficient anonymiser (VoicePrivacy's signal-processing baseline B2), from the published method.

Patino, Tomashenko, Todisco, Nautsch and Evans (2021), "Speaker anonymisation using
the McAdams coefficient": the signal is cut into 20 ms frames with a 10 ms hop, each
frame is described by an order-20 linear predictor, and the angle φ (radians) of
every complex pole of the predictor's all-pole filter is replaced by φ^α with the
pole's magnitude kept. The prediction residual is passed through the new all-pole
filter, and the frames are overlap-added (square-root Hann windows, scaled so that
analysis times synthesis window sums to one) and peak-normalised. α < 1 moves poles
below 1 rad (about 2.5 kHz at 16 kHz) up and those above down: formants bunch, pitch
and timing stay.

Written with numpy and scipy, vectorised over frames: Levinson-Durbin for every frame
at once, the poles as eigenvalues of a stack of companion matrices, the residual as a
21-tap FIR and the synthesis as one 20-pole recursion stepped over the frame's samples
for all frames together. Unlike the reference, the signal is zero-padded by one
frame at each end before framing, so that every sample (the first and last 10 ms too)
is covered by two windows and the length is kept exactly.
"""

from __future__ import annotations

import numpy as np

from emoshield.errors import AudioError

#: Frame and hop of the published method, in seconds, and its predictor order.
FRAME_SECONDS = 0.020
HOP_SECONDS = 0.010
ORDER = 20
#: Peak after normalisation: the largest value 16-bit PCM holds without clipping (as ``emoshield.audio``).
PEAK = 32767 / 32768


def mcadams(samples: np.ndarray, rate: int, alpha: float, order: int = ORDER) -> np.ndarray:
    """``samples`` (mono) anonymised with McAdams coefficient ``alpha``: same length and rate, peak ``PEAK``.

    AudioError for a signal shorter than one frame, silent, or not finite; ValueError for ``alpha`` outside (0, 1.5].
    """
    if not 0.0 < alpha <= 1.5:
        raise ValueError(f"McAdams coefficient {alpha}: expected 0 < alpha <= 1.5 (the challenge uses 0.5 to 0.9)")
    x = np.asarray(samples, dtype=np.float64)
    hop = round(HOP_SECONDS * rate)
    width = 2 * hop
    if x.ndim != 1 or len(x) < width:
        raise AudioError(f"too short to anonymise: {len(x)} samples, one {FRAME_SECONDS * 1000:.0f} ms frame is {width}")
    if not np.isfinite(x).all():
        raise AudioError("cannot anonymise: the signal has NaN or infinite samples")
    if np.max(np.abs(x)) == 0.0:
        raise AudioError("cannot anonymise: the signal is silent")
    window = synthesis_window(width, hop)
    frames = frame_signal(np.pad(x, (width, width)), width, hop) * window
    predictor = lpc(frames, order)
    warped = poly_from_roots(warp_poles(poles(predictor), alpha))
    resynthesised = all_pole(warped, fir(predictor, frames)) * window
    y = overlap_add(resynthesised, hop, len(x) + 2 * width)[width: width + len(x)]
    peak = np.max(np.abs(y))
    if not np.isfinite(peak) or peak == 0.0:
        raise AudioError("anonymisation produced no signal (every frame silent or unstable)")
    return (y * (PEAK / peak)).astype(np.float32)


def synthesis_window(width: int, hop: int) -> np.ndarray:
    """Square-root periodic Hann window scaled so that its square overlap-adds to one at ``hop``."""
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(width) / width)
    return np.sqrt(hann * hop / hann.sum())


def frame_signal(x: np.ndarray, width: int, hop: int) -> np.ndarray:
    """Frames (count x width) of ``x`` starting every ``hop`` samples; the tail that fills no frame is dropped."""
    count = 1 + (len(x) - width) // hop
    return np.lib.stride_tricks.as_strided(x, (count, width), (x.strides[0] * hop, x.strides[0])).copy()


def lpc(frames: np.ndarray, order: int) -> np.ndarray:
    """Predictor polynomials (count x order+1, leading 1) of every frame: autocorrelation method, Levinson-Durbin.

    The autocorrelation method gives a minimum-phase polynomial (every pole inside the unit circle), so
    the all-pole filters built from it and from its warped poles are stable. A silent frame gets the
    trivial predictor [1, 0, ...] (a tiny white-noise floor keeps the recursion defined).
    """
    count, width = frames.shape
    spectrum = np.fft.rfft(frames, n=2 * width)
    r = np.fft.irfft(np.abs(spectrum) ** 2, n=2 * width)[:, : order + 1]
    r[:, 0] = r[:, 0] * (1 + 1e-9) + 1e-12
    a = np.zeros((count, order + 1))
    a[:, 0] = 1.0
    error = r[:, 0].copy()
    for i in range(1, order + 1):
        reflection = -(a[:, :i] * r[:, i:0:-1]).sum(axis=1) / error
        a[:, 1 : i + 1] = a[:, 1 : i + 1] + reflection[:, None] * a[:, i - 1 :: -1][:, :i]
        error = error * (1 - reflection**2)
    return a


def poles(a: np.ndarray) -> np.ndarray:
    """Roots (count x order) of each polynomial ``a`` (count x order+1, leading 1): eigenvalues of its companion matrix."""
    count, n = a.shape[0], a.shape[1] - 1
    companion = np.zeros((count, n, n))
    companion[:, 0, :] = -a[:, 1:]
    companion[:, np.arange(1, n), np.arange(n - 1)] = 1.0
    return np.linalg.eigvals(companion)


def warp_poles(roots: np.ndarray, alpha: float) -> np.ndarray:
    """Each complex root's angle φ in (0, π) mapped to φ^α (capped at π), its conjugate alike, magnitudes kept;
    real roots unchanged."""
    angle = np.angle(roots)
    complex_ = np.abs(roots.imag) > 1e-12 * np.maximum(np.abs(roots), 1e-300)
    moved = np.minimum(np.abs(angle) ** alpha, np.pi) * np.sign(angle)
    return np.where(complex_, np.abs(roots) * np.exp(1j * moved), roots)


def poly_from_roots(roots: np.ndarray) -> np.ndarray:
    """Real monic polynomials (count x order+1) with the given roots (each row's complex ones in conjugate pairs)."""
    count, n = roots.shape
    coefficients = np.zeros((count, n + 1), dtype=complex)
    coefficients[:, 0] = 1.0
    for k in range(n):
        coefficients[:, 1 : k + 2] = coefficients[:, 1 : k + 2] - roots[:, k : k + 1] * coefficients[:, : k + 1]
    return coefficients.real


def fir(a: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Each frame filtered by its own FIR ``a`` (zero initial state): the prediction residual."""
    out = frames * a[:, :1]
    for k in range(1, a.shape[1]):
        out[:, k:] += a[:, k : k + 1] * frames[:, :-k]
    return out


def all_pole(a: np.ndarray, excitation: np.ndarray) -> np.ndarray:
    """Each frame's ``excitation`` through its own all-pole filter 1 / ``a`` (zero initial state)."""
    count, width = excitation.shape
    order = a.shape[1] - 1
    y = np.zeros((count, width + order))  # ``order`` leading zeros: the initial state
    feedback = a[:, :0:-1]  # a_order ... a_1, to meet y[n - order] ... y[n - 1]
    for n in range(width):
        y[:, n + order] = excitation[:, n] - np.einsum("ij,ij->i", feedback, y[:, n : n + order])
    return y[:, order:]


def overlap_add(frames: np.ndarray, hop: int, length: int) -> np.ndarray:
    """The frames (each a whole number of hops wide) added back at their positions, every ``hop`` samples,
    into a signal of ``length`` (at least as long as the frames reach)."""
    count, width = frames.shape
    out = np.zeros(length)
    for offset in range(0, width, hop):  # the same hop-long piece of every frame lands in one contiguous run
        out[offset : offset + count * hop] += frames[:, offset : offset + hop].ravel()
    return out
