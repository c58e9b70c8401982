"""Plots of an evaluation: metrics per method beside chance, every attacker's score, the privacy-utility frontier.

Each ``draw_*`` builds the figure (tests look at it: nothing overlaps, nothing is
clipped); each ``plot_*`` draws and writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from emoshield.anonymise.spec import AUDIO_PREFIX
from emoshield.errors import ConfigError
from emoshield.evaluation.enrolment import EnrolmentSettings
from emoshield.evaluation.labels import COLUMNS, attacker, column
from emoshield.evaluation.metrics import MetricSummary
from emoshield.evaluation.summary import MethodResult
from emoshield.figures import label_points, new_figure, save, wrapped
from emoshield.methods import parse_method

#: Leakage metrics whose attacker panels ``attackers.png`` shows.
PANELS = ("gender_leakage", "language_leakage", "speaker_id_acc")


def target_of(results: Sequence[MethodResult]) -> str:
    """The utility target the results were measured on (``emotion`` when they do not say)."""
    return getattr(results, "target", "emotion")


def draw_metrics(results: Sequence[MethodResult]) -> Figure:
    """Grouped bars: one group per metric, one bar per method, chance as a dashed line."""
    metrics = [m for m in COLUMNS if any(m in r.metrics for r in results)]
    target = target_of(results)
    width = 0.8 / max(len(results), 1)
    figure, axes = new_figure(1.8 + 1.3 * len(metrics), 4.0)
    ax = axes[0][0]
    top = 100.0
    for k, r in enumerate(results):
        x = np.arange(len(metrics)) + (k - (len(results) - 1) / 2) * width
        means = [100 * r.metrics[m].mean if m in r.metrics else np.nan for m in metrics]
        bars = _error_bars([r.metrics.get(m) for m in metrics])
        top = max(top, float(np.nanmax(np.asarray(means) + bars[1])))
        ax.bar(x, means, width, yerr=bars, capsize=2, label=r.method)
    for i, m in enumerate(metrics):
        chance = next(r.metrics[m].chance for r in results if m in r.metrics)
        ax.hlines(100 * chance, i - 0.45, i + 0.45, colors="k", linestyles="dashed", linewidth=1)
    ax.set_xticks(np.arange(len(metrics)), [wrapped(column(m, target)) for m in metrics], fontsize=8)
    ax.set_ylabel("% (bars: 95% interval;\ndashed: chance)")
    ax.set_ylim(0, top + 3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(f"Utility ({target}) and leakage per method")
    return figure


def draw_attackers(results: Sequence[MethodResult]) -> Figure | None:
    """Each attacker's score per leakage metric and method (horizontal bars, attackers named in words):
    the panel behind the maximum. None when no leakage was measured."""
    metrics = [m for m in PANELS if m in results[0].attackers]
    if not metrics:
        return None
    names = {m: list(results[0].attackers[m]) for m in metrics}
    height = 1.2 + 0.22 * max(len(n) for n in names.values()) * max(len(results), 1)
    figure, axes = new_figure(4.6 * len(metrics), height, 1, len(metrics))
    for ax, metric in zip(axes[0], metrics):
        rows = np.arange(len(names[metric]))
        width = 0.8 / len(results)
        for k, r in enumerate(results):
            y = rows + (k - (len(results) - 1) / 2) * width
            ax.barh(y, [100 * r.attackers[metric][n].mean for n in names[metric]], width, label=r.method)
        ax.axvline(100 * results[0].metrics[metric].chance, color="k", linestyle="dashed", linewidth=1)
        ax.set_yticks(rows, [wrapped(attacker(n), 28) for n in names[metric]], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(column(metric, target_of(results)))
        ax.set_xlim(0, 100)
        ax.set_xlabel("% (dashed: chance)")
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def draw_frontier(results: Sequence[MethodResult], utility: str = "emotion_uar",
                  leakage: str = "gender_leakage") -> Figure:
    """Utility against a privacy metric (gender leakage, or speaker EER), one labelled point per method.

    Up and to the left is better for leakage, up and to the right for EER; the
    dashed lines are chance. The points of a sweep (specs of one method setting the
    same parameters, ``adversarial(latent=8)``, ``adversarial(latent=32)``) are joined
    in the order given.
    """
    shown = [r for r in results if utility in r.metrics and leakage in r.metrics]
    target = target_of(results)
    figure, axes = new_figure(6.4, 4.4)
    ax = axes[0][0]
    for family, members in sweep_families(shown).items():
        ax.errorbar(
            [100 * r.metrics[leakage].mean for r in members],
            [100 * r.metrics[utility].mean for r in members],
            xerr=_error_bars([r.metrics[leakage] for r in members]),
            yerr=_error_bars([r.metrics[utility] for r in members]),
            marker="o", capsize=2, linestyle="-" if len(members) > 1 else "none", label=wrapped(family, 30),
        )
    if shown:
        ax.axvline(100 * shown[0].metrics[leakage].chance, color="k", linestyle="dashed", linewidth=1)
        ax.axhline(100 * shown[0].metrics[utility].chance, color="k", linestyle="dashed", linewidth=1)
    private_side = "right" if leakage == "speaker_eer" else "left"
    ax.set_xlabel(f"{column(leakage, target)}, strongest attacker (%)")
    ax.set_ylabel(f"{column(utility, target)} (%)")
    ax.set_title(f"Privacy-utility frontier (up-{private_side} is better)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    labels = point_labels(shown)
    label_points(ax, [(labels[r.method], 100 * r.metrics[leakage].mean, 100 * r.metrics[utility].mean) for r in shown])
    return figure


def draw_sweep(swept: Sequence[MethodResult], baselines: Sequence[MethodResult], parameter: str,
               values: Sequence[float]) -> Figure:
    """Each metric of the swept method (one result per value) against the parameter, baselines as lines."""
    metrics = [m for m in COLUMNS if m in swept[0].metrics and m != "gender_acc_ali"]
    target = target_of(swept)
    columns = min(3, len(metrics))
    rows = -(-len(metrics) // columns)
    figure, axes = new_figure(3.6 * columns + 1.6, 3.0 * rows, rows, columns)
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
        ax.set_title(wrapped(column(metric, target), 32), fontsize=9)
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


#: What the enrolment curve shows, one panel each.
CURVE_METRICS = ("emotion_uar", "gender_leakage", "speaker_id_acc", "speaker_eer")


def draw_enrolment_curve(runs: Sequence[tuple[EnrolmentSettings | None, Sequence[MethodResult]]]) -> Figure:
    """Each metric against the enrolment size, one line per method that reads speaker statistics.

    ``runs`` pairs an enrolment with the results under it: random enrolments of several sizes are
    joined into a line, other compositions are single markers, the first protocol (``all``) a
    dash-dot line; results under None (methods that read no statistics) are dotted lines.
    """
    results = [r for _, rs in runs for r in rs]
    target = target_of(runs[0][1])
    methods = list(dict.fromkeys(r.method for enrolment, rs in runs if enrolment is not None for r in rs))
    colours = {m: f"C{k}" for k, m in enumerate(dict.fromkeys(r.method for r in results))}
    markers = dict(zip(dict.fromkeys(e.composition for e, _ in runs if e is not None and e.composition != "random"), "s^vD"))
    sizes = sorted({e.utterances for e, _ in runs if e is not None and e.utterances is not None})
    figure, axes = new_figure(4.0 * len(CURVE_METRICS) + 2.2, 3.4, 1, len(CURVE_METRICS))
    for ax, metric in zip(axes[0], CURVE_METRICS):
        for method in methods:
            line = sorted((e.utterances, r.metrics[metric].mean) for e, rs in runs for r in rs
                          if e is not None and e.utterances is not None and e.composition == "random"
                          and r.method == method and metric in r.metrics)
            if line:
                ax.plot(*zip(*[(k, 100 * v) for k, v in line]), marker="o", color=colours[method], label=method)
        for enrolment, rs in runs:
            for r in (r for r in rs if metric in r.metrics):
                value, colour = 100 * r.metrics[metric].mean, colours[r.method]
                if enrolment is None:
                    ax.axhline(value, color=colour, linestyle="dotted", label=r.method)
                elif enrolment.utterances is None:
                    ax.axhline(value, color=colour, linestyle="dashdot", linewidth=1, label=f"{r.method}, all")
                elif enrolment.composition != "random":
                    ax.plot([enrolment.utterances], [value], marker=markers[enrolment.composition], color=colour,
                            linestyle="none", label=f"{r.method}, {enrolment.composition}")
        chance = [r.metrics[metric].chance for r in results if metric in r.metrics]
        if chance:
            ax.axhline(100 * chance[0], color="gray", linestyle="dashed", linewidth=1)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [str(k) for k in sizes])
        ax.minorticks_off()
        ax.set_xlabel("utterances per enrolment")
        ax.set_ylabel("% (dashed: chance)")
        ax.set_title(column(metric, target))
    handles, labels = axes[0][0].get_legend_handles_labels()
    axes[0][-1].legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def draw_projection(embeddings: dict[str, np.ndarray], colourings: dict[str, np.ndarray], title: str = "") -> Figure:
    """A grid of 2-D scatter plots: one column per representation, one row per colouring.

    ``embeddings`` map a method name to (n, 2) points; ``colourings`` map an
    attribute (gender, emotion, ...) to n labels.
    """
    rows, cols = len(colourings), len(embeddings)
    figure, axes = new_figure(3.4 * cols + 1.4, 3.1 * rows, rows, cols)
    for c, (method, points) in enumerate(embeddings.items()):
        for r, (attribute, labels) in enumerate(colourings.items()):
            ax = axes[r][c]
            for k, value in enumerate(np.unique(labels)):
                chosen = labels == value
                ax.scatter(points[chosen, 0], points[chosen, 1], s=6, alpha=0.7, label=value, color=f"C{k}")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(wrapped(method, 30))
            if c == 0:
                ax.set_ylabel(attribute)
            if c == cols - 1:
                ax.legend(fontsize=7, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        figure.suptitle(title, fontsize=10)
    return figure


def plot_metrics(results: Sequence[MethodResult], path: Path) -> Path:
    return save(draw_metrics(results), path)


def plot_attackers(results: Sequence[MethodResult], path: Path) -> Path | None:
    figure = draw_attackers(results)
    return save(figure, path) if figure is not None else None


def plot_frontier(results: Sequence[MethodResult], path: Path, utility: str = "emotion_uar",
                  leakage: str = "gender_leakage") -> Path:
    return save(draw_frontier(results, utility, leakage), path)


def plot_sweep(swept: Sequence[MethodResult], baselines: Sequence[MethodResult], parameter: str,
               values: Sequence[float], path: Path) -> Path:
    return save(draw_sweep(swept, baselines, parameter, values), path)


def plot_projection(embeddings: dict[str, np.ndarray], colourings: dict[str, np.ndarray], path: Path,
                    title: str = "") -> Path:
    return save(draw_projection(embeddings, colourings, title), path)


def sweep_families(results: Sequence[MethodResult]) -> dict[str, list[MethodResult]]:
    """Results grouped by method name and the parameters their specs set, in order.

    A group of several is a sweep, keyed by the name, the parameters it fixes and
    those it varies: ``adversarial(front_end=speaker,kl_weight)``; a lone result is keyed by its spec.
    """
    groups: dict[tuple[str, tuple[str, ...]], list[MethodResult]] = {}
    for r in results:
        try:
            name, params = parse_method(r.method)
        except ConfigError:  # an audio-level method, a label (a nested selection's choices): it stands alone
            groups.setdefault((r.method, ()), []).append(r)
            continue
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
        if len(members) == 1:
            labels[members[0].method] = _short(members[0].method)
            continue
        varying = _varying(members)
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


def _error_bars(summaries: Sequence[MetricSummary | None]) -> np.ndarray:
    """Distances (2 x n, in %) from each mean down and up to its 95% interval (its sd when there is none)."""
    bars = np.zeros((2, len(summaries)))
    for i, s in enumerate(summaries):
        if s is not None:
            low, high = s.ci95 if s.ci95 is not None else (s.mean - s.sd, s.mean + s.sd)
            bars[:, i] = 100 * max(s.mean - low, 0.0), 100 * max(high - s.mean, 0.0)
    return bars


def _short(method: str) -> str:
    """``adversarial(latent=64)`` -> ``latent=64``; plain names and audio-level methods stay."""
    return method[method.index("(") + 1 : -1] if "(" in method and not method.startswith(AUDIO_PREFIX) else method
