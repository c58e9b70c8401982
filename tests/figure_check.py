"""Is a figure readable at its default size? No text runs outside it, no two texts overlap."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text


def unreadable(figure: Figure) -> list[str]:
    """What a reader could not read: texts cut off at the figure's edge, and pairs of texts that overlap.

    Texts are every visible, non-empty text of the figure (titles, axis labels, tick
    labels, legend entries, annotations). Tick labels of one axis may touch their
    neighbours by a pixel; anything more is an overlap.
    """
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    edge = figure.bbox
    texts = [t for t in _texts(figure) if t.get_visible() and t.get_text().strip()]
    boxes = [(t, t.get_window_extent(renderer)) for t in dict.fromkeys(texts)]
    problems = []
    for text, box in boxes:
        if box.x0 < edge.x0 - 1 or box.x1 > edge.x1 + 1 or box.y0 < edge.y0 - 1 or box.y1 > edge.y1 + 1:
            problems.append(f"cut off: {text.get_text()!r}")
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if overlap_x > 1 and overlap_y > 1:
                problems.append(f"overlap: {a.get_text()!r} and {b.get_text()!r}")
    return problems


def _drawn_tick_labels(axis) -> list[Text]:
    """The labels of the ticks inside the axis's view (matplotlib keeps labels for ticks it does not draw)."""
    low, high = sorted(axis.get_view_interval())
    return [label for location, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
            if low - 1e-9 <= location <= high + 1e-9]


def _texts(figure: Figure) -> list[Text]:
    """Every text a reader sees: per axes its titles, axis labels, tick labels, legend and annotations; the
    figure's title, texts and legends."""
    texts: list[Text] = [*figure.texts]
    if figure._suptitle is not None:
        texts.append(figure._suptitle)
    for legend in figure.legends:
        texts += legend.get_texts()
    for ax in figure.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        texts += _drawn_tick_labels(ax.xaxis) + _drawn_tick_labels(ax.yaxis) + ax.texts
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    return texts
