"""Plots of an evaluation: metrics per method beside chance, every attacker's score, the privacy-utility frontier."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from emoshield.evaluation.metrics import COLUMNS, MetricSummary  # noqa: E402
from emoshield.evaluation.summary import MethodResult  # noqa: E402
from emoshield.methods import parse_method  # noqa: E402


def plot_metrics(results: Sequence[MethodResult], path: Path) -> Path:
    """Grouped bars: one group per metric, one bar per method, chance as a dashed line."""
    metrics = [m for m in COLUMNS if any(m in r.metrics for r in results)]
    width = 0.8 / max(len(results), 1)
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * len(metrics), 3.6))
    for k, r in enumerate(results):
        x = np.arange(len(metrics)) + (k - (len(results) - 1) / 2) * width
        means = [100 * r.metrics[m].mean if m in r.metrics else np.nan for m in metrics]
        ax.bar(x, means, width, yerr=_error_bars([r.metrics.get(m) for m in metrics]), capsize=2, label=r.method)
    for i, m in enumerate(metrics):
        chance = next(r.metrics[m].chance for r in results if m in r.metrics)
        ax.hlines(100 * chance, i - 0.45, i + 0.45, colors="k", linestyles="dashed", linewidth=1)
    ax.set_xticks(np.arange(len(metrics)), [COLUMNS[m] for m in metrics], rotation=15)
    ax.set_ylabel("% (bars: 95% interval; dashed: chance)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.set_title("Utility (emotion) and leakage per method")
    return _save(fig, path)


def plot_attackers(results: Sequence[MethodResult], path: Path) -> Path | None:
    """Each attacker's score per leakage metric and method: the panel behind the maximum (None: no leakage measured)."""
    metrics = [m for m in ("gender_leakage", "language_leakage", "speaker_id_acc") if m in results[0].attackers]
    if not metrics:
        return None
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        names = list(results[0].attackers[metric])
        width = 0.8 / len(results)
        for k, r in enumerate(results):
            x = np.arange(len(names)) + (k - (len(results) - 1) / 2) * width
            ax.bar(x, [100 * r.attackers[metric][n].mean for n in names], width, label=r.method)
        ax.axhline(100 * results[0].metrics[metric].chance, color="k", linestyle="dashed", linewidth=1)
        ax.set_xticks(np.arange(len(names)), names)
        ax.set_title(COLUMNS[metric])
        ax.set_ylim(0, 100)
    axes[0][0].set_ylabel("%")
    axes[0][-1].legend(fontsize=8)
    return _save(fig, path)


def plot_frontier(
    results: Sequence[MethodResult], path: Path, utility: str = "emotion_uar", leakage: str = "gender_leakage"
) -> Path:
    """Emotion UAR against a privacy metric (gender leakage, or speaker EER), one labelled point per method.

    Up and to the left is better for leakage, up and to the right for EER; the
    dashed lines are chance. The points of a sweep (specs of one method setting the
    same parameters, ``adversarial(latent=8)``, ``adversarial(latent=32)``) are joined
    in the order given.
    """
    shown = [r for r in results if utility in r.metrics and leakage in r.metrics]
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    for family, members in sweep_families(shown).items():
        ax.errorbar(
            [100 * r.metrics[leakage].mean for r in members],
            [100 * r.metrics[utility].mean for r in members],
            xerr=_error_bars([r.metrics[leakage] for r in members]),
            yerr=_error_bars([r.metrics[utility] for r in members]),
            marker="o", capsize=2, linestyle="-" if len(members) > 1 else "none", label=family,
        )
    if shown:
        ax.axvline(100 * shown[0].metrics[leakage].chance, color="k", linestyle="dashed", linewidth=1)
        ax.axhline(100 * shown[0].metrics[utility].chance, color="k", linestyle="dashed", linewidth=1)
    private_side = "right" if leakage == "speaker_eer" else "left"
    ax.set_xlabel(f"{COLUMNS[leakage]}, strongest attacker (%)")
    ax.set_ylabel(f"{COLUMNS[utility]} (%)")
    ax.set_title(f"Privacy-utility frontier (up-{private_side} is better)")
    ax.legend(fontsize=7)
    fig.tight_layout()  # before the labels are placed: a later layout change would move points under them
    labels = point_labels(shown)
    _label_points(ax, [(labels[r.method], 100 * r.metrics[leakage].mean, 100 * r.metrics[utility].mean) for r in shown])
    return _save(fig, path)


def sweep_families(results: Sequence[MethodResult]) -> dict[str, list[MethodResult]]:
    """Results grouped by method name and the parameters their specs set, in order.

    A group of several is a sweep, keyed by the name, the parameters it fixes and
    those it varies: ``adversarial(front_end=speaker,kl_weight)``; a lone result is keyed by its spec.
    """
    groups: dict[tuple[str, tuple[str, ...]], list[MethodResult]] = {}
    for r in results:
        name, params = parse_method(r.method)
        groups.setdefault((name, tuple(sorted(params))), []).append(r)
    families = {}
    for (name, keys), members in groups.items():
        if len(members) == 1:
            families[members[0].method] = members
            continue
        varying = _varying(members)
        fixed = [f"{k}={_value(parse_method(members[0].method)[1][k])}" for k in keys if k not in varying]
        families[f"{name}({','.join(fixed + sorted(varying))})"] = members
    return families


def point_labels(results: Sequence[MethodResult]) -> dict[str, str]:
    """A short label per spec: the swept parameters of a sweep's point (``kl_weight=0.1``), else the spec."""
    labels = {}
    for family, members in sweep_families(results).items():
        varying = _varying(members) if len(members) > 1 else []
        for r in members:
            params = parse_method(r.method)[1]
            labels[r.method] = ",".join(f"{k}={_value(params[k])}" for k in sorted(varying)) or _short(r.method)
    return labels


def _varying(members: Sequence[MethodResult]) -> list[str]:
    """The parameters whose values differ between the specs of a sweep."""
    params = [parse_method(r.method)[1] for r in members]
    return [k for k in params[0] if any(p[k] != params[0][k] for p in params[1:])]


def _value(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _label_points(ax: plt.Axes, labels: Sequence[tuple[str, float, float]]) -> None:
    """Write each label beside its point, right then left of it, stepping it above or below
    until it overlaps no earlier label."""
    renderer = ax.figure.canvas.get_renderer()
    placed = []
    spots = [(dx, dy) for dy in (4, -12, 16, -24, 28, -36, 40) for dx in (4, -4)]
    for text, x, y in labels:
        for dx, dy in spots:
            side = "left" if dx > 0 else "right"
            note = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=7, ha=side)
            box = note.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            note.remove()
        else:
            note = ax.annotate(text, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
            box = note.get_window_extent(renderer)
        placed.append(box)


def plot_sweep(
    swept: Sequence[MethodResult],
    baselines: Sequence[MethodResult],
    parameter: str,
    values: Sequence[float],
    path: Path,
) -> Path:
    """Each metric of the swept method (one result per value) against the parameter, baselines as lines."""
    metrics = [m for m in COLUMNS if m in swept[0].metrics and m != "gender_acc_ali"]
    columns = min(3, len(metrics))
    rows = -(-len(metrics) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 3.0 * rows), squeeze=False)
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    for ax, metric in zip(axes.flat, metrics):
        ax.errorbar(
            values,
            [100 * r.metrics[metric].mean for r in swept],
            yerr=_error_bars([r.metrics[metric] for r in swept]),
            marker="o", capsize=2, color="k", label=swept[0].method.split("(")[0],
        )
        for k, r in enumerate(baselines):
            if metric in r.metrics:
                ax.axhline(100 * r.metrics[metric].mean, linestyle="dotted", color=f"C{k}", label=r.method)
        ax.axhline(100 * swept[0].metrics[metric].chance, color="gray", linestyle="dashed", linewidth=1)
        if min(values) > 0 and max(values) / min(values) >= 8:
            ax.set_xscale("log", base=2)
        ax.set_xlabel(parameter)
        ax.set_ylabel("% (dashed: chance)")
        ax.set_title(COLUMNS[metric], fontsize=9)
    axes[0][-1].legend(fontsize=7)
    return _save(fig, path)


def _error_bars(summaries: Sequence[MetricSummary | None]) -> np.ndarray:
    """Distances (2 x n, in %) from each mean down and up to its 95% interval (its sd when there is none)."""
    bars = np.zeros((2, len(summaries)))
    for i, s in enumerate(summaries):
        if s is not None:
            low, high = s.ci95 if s.ci95 is not None else (s.mean - s.sd, s.mean + s.sd)
            bars[:, i] = 100 * max(s.mean - low, 0.0), 100 * max(high - s.mean, 0.0)
    return bars


def _short(method: str) -> str:
    """``adversarial(latent=64)`` -> ``latent=64``; plain names stay."""
    return method[method.index("(") + 1 : -1] if "(" in method else method


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_projection(
    embeddings: dict[str, np.ndarray],
    colourings: dict[str, np.ndarray],
    path: Path,
    title: str = "",
) -> Path:
    """A grid of 2-D scatter plots: one column per representation, one row per colouring.

    ``embeddings`` map a method name to (n, 2) points; ``colourings`` map an
    attribute (gender, emotion, ...) to n labels.
    """
    rows, cols = len(colourings), len(embeddings)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.1 * rows), squeeze=False)
    for c, (method, points) in enumerate(embeddings.items()):
        for r, (attribute, labels) in enumerate(colourings.items()):
            ax = axes[r][c]
            for k, value in enumerate(np.unique(labels)):
                chosen = labels == value
                ax.scatter(points[chosen, 0], points[chosen, 1], s=6, alpha=0.7, label=value, color=f"C{k}")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(method)
            if c == 0:
                ax.set_ylabel(attribute)
            if c == cols - 1:
                ax.legend(fontsize=7, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)
