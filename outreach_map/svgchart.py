"""Small, accessible SVG bar charts for reports (no plotting library, no external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart"]


def bar_chart(
    values: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    maximum: float | None = None,
    width: int = 640,
    bar_height: int = 22,
) -> str:
    """A horizontal bar chart as an inline ``<svg>`` with a title and a text description of every value.

    Examples
    --------
    >>> svg = bar_chart([("Library", 92.0), ("Police", 40.5)], title="Within 30 min", unit="%")
    >>> svg.startswith("<svg") and "Library: 92%" in svg
    True
    """
    label_width, gap, top = 220, 6, 8
    top_value = maximum if maximum is not None else max((v for _, v in values), default=0.0)
    scale = (width - label_width - 70) / top_value if top_value > 0 else 0.0
    height = top + len(values) * (bar_height + gap) + 4
    described = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in values) or "no data"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="chart"><title>{escape(title)}</title><desc>{escape(described)}</desc>'
    ]
    for i, (label, value) in enumerate(values):
        y = top + i * (bar_height + gap)
        length = max(0.0, value * scale)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="#0b3d63"></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="13">'
            f"{escape(_number(value))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
