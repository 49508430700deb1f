"""The report's charts: static SVG from matplotlib, inline in the HTML (and so vector in the PDF).

Deterministic (a fixed hash salt, no date in the metadata) so that unchanged data give the same bytes;
text stays text in the SVG (``svg.fonttype = none``), so nothing is embedded or fetched. A chart shows
the values of the table printed below it; a suppressed or missing value is left out of the chart (the
table shows ``..`` or ``–``).
"""

from __future__ import annotations

import io

from ingestion.core.numbers import andel, tal


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.hashsalt": "lagesbild",
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    _pyplot().close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # inline: without the XML declaration and doctype


def horizontal_bars(labels: list[str], series: dict[str, list[float | None]], title: str) -> str:
    """Shares (0–1) per label, one bar per series (e.g. with and without an agreement), as an SVG string;
    the x axis in per cent, Swedish style."""
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    n_series = max(len(series), 1)
    height = 0.8 / n_series
    figure, axes = plt.subplots(figsize=(7, 0.45 * len(labels) + 0.8))
    for index, (name, values) in enumerate(series.items()):
        positions = [i + index * height for i in range(len(labels))]
        shown = [(p, v) for p, v in zip(positions, values, strict=True) if v is not None]
        axes.barh([p for p, _ in shown], [float(v) for _, v in shown], height=height, label=name)
    axes.set_yticks([i + height * (n_series - 1) / 2 for i in range(len(labels))], labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: andel(x, 0)))
    axes.set_title(title, loc="left")
    if len(series) > 1:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(series), frameon=False)
    return _svg(figure)


def vertical_bars(labels: list[str], values: list[float | None], title: str, ymax: float) -> str:
    """One value per label (e.g. the mean answer per question, 1–5), as an SVG string."""
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    figure, axes = plt.subplots(figsize=(7, 2.6))
    shown = [(i, v) for i, v in enumerate(values) if v is not None]
    axes.bar([i for i, _ in shown], [float(v) for _, v in shown], width=0.6)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylim(0, ymax)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: tal(round(y, 1))))
    axes.set_title(title, loc="left")
    return _svg(figure)


def stacked_bars(labels: list[str], series: dict[str, list[float | None]], title: str, shares: bool = False) -> str:
    """Counts per label stacked by series (e.g. forms on time, late and missing per county), or shares
    (0–1) that add up to one per label, as an SVG string; a missing or suppressed part is left out (the
    table shows it)."""
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure, axes = plt.subplots(figsize=(7, 0.3 * len(labels) + 1.0))
    left = [0.0] * len(labels)
    for name, values in series.items():
        widths = [float(v) if v is not None else 0.0 for v in values]
        axes.barh(range(len(labels)), widths, left=left, height=0.7, label=name)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_yticks(range(len(labels)), labels)
    axes.invert_yaxis()
    if shares:
        axes.set_xlim(0, 1)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: andel(x, 0)))
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: tal(int(x))))
    axes.set_title(title, loc="left")
    below = -0.08 - 0.4 / max(len(labels), 1)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, below), ncol=len(series), frameon=False)
    return _svg(figure)


def grouped_columns(labels: list[str], series: dict[str, list[float | None]], title: str, ymax: float) -> str:
    """One column per label and series (e.g. the county's mean answer per question beside the country's),
    as an SVG string."""
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    n_series = max(len(series), 1)
    width = 0.8 / n_series
    figure, axes = plt.subplots(figsize=(7, 2.8))
    for index, (name, values) in enumerate(series.items()):
        shown = [(i + (index - (n_series - 1) / 2) * width, v) for i, v in enumerate(values) if v is not None]
        axes.bar([p for p, _ in shown], [float(v) for _, v in shown], width=width, label=name)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylim(0, ymax)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: tal(round(y, 1))))
    axes.set_title(title, loc="left")
    if n_series > 1:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=n_series, frameon=False)
    return _svg(figure)
