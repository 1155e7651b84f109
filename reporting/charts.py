"""Small SVG bar charts for the printable summary, drawn on the server so the PDF needs
no browser and no plotting library. WeasyPrint renders inline SVG, text included."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "Noto Sans CJK SC, Noto Serif CJK SC, sans-serif"
COLOURS = ("#17427a", "#b8261f", "#1e7a46", "#a86400")


def hbar_chart(
    rows: list[tuple[str, list[int]]],
    *,
    series: list[str] | None = None,
    width: int = 640,
    label_width: int = 150,
    bar: int = 12,
) -> SafeString:
    """Horizontal bars, one group per row, one bar per series, value printed at the end.

    ``rows`` is ``[(label, [value per series])]``; labels are escaped.
    """
    series = series or [""]
    n = len(series)
    group = bar * n + 8
    legend = 18 if n > 1 else 0
    height = legend + group * max(len(rows), 1) + 6
    top = max((max(values) if values else 0) for _, values in rows) if rows else 0
    scale = (width - label_width - 44) / top if top else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="10">'
    ]
    if n > 1:
        x = label_width
        for i, name in enumerate(series):
            parts.append(f'<rect x="{x}" y="3" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + 14}" y="12">{escape(name)}</text>')
            x += 14 + 12 * len(name) + 16
    parts.append(
        f'<line x1="{label_width}" y1="{legend}" x2="{label_width}" y2="{height - 4}" stroke="#555" stroke-width="0.8"/>'
    )
    for r, (label, values) in enumerate(rows):
        y0 = legend + r * group + 4
        parts.append(
            f'<text x="{label_width - 6}" y="{y0 + (bar * n) / 2 + 4}" text-anchor="end">{escape(label)}</text>'
        )
        for i, value in enumerate(values):
            w = round(value * scale, 1)
            y = y0 + i * bar
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{w}" height="{bar - 2}" fill="{COLOURS[i % len(COLOURS)]}"/>'
            )
            parts.append(f'<text x="{label_width + w + 4}" y="{y + bar - 3}">{value}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above
