"""Bar charts drawn on the server as inline SVG: no script, no CDN, readable without colour
(every bar carries its value as text) and described for screen readers."""

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 220
BAR_AREA = 300
VALUE_WIDTH = 60
FONT_SIZE = 12
COLOURS = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d")


def _truncate(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    items: Sequence[tuple[str, float | int]], *, title: str, colour_by_index: bool = False
) -> SafeString:
    """A horizontal bar chart of (label, value) pairs as an <svg> element.

    Bars are scaled to the largest value; zero values keep their row (so the chart shows
    the whole category list). Labels longer than the label column are shortened, and the
    full text is kept in each bar's <title>."""
    items = list(items)
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    height = max(1, len(items)) * (BAR_HEIGHT + GAP) + GAP
    largest = max((float(v) for _l, v in items), default=0) or 1
    description = "; ".join(f"{label}: {value}" for label, value in items)
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
            'viewBox="0 0 {} {}" width="100%" preserveAspectRatio="xMinYMin meet" '
            'font-family="system-ui, sans-serif" font-size="{}">'
            "<title>{}</title><desc>{}</desc>",
            width,
            height,
            FONT_SIZE,
            title,
            description,
        )
    ]
    for index, (label, value) in enumerate(items):
        y = GAP + index * (BAR_HEIGHT + GAP)
        bar = round(float(value) / largest * BAR_AREA, 1)
        colour = COLOURS[index % len(COLOURS)] if colour_by_index else COLOURS[0]
        text_y = y + BAR_HEIGHT / 2 + FONT_SIZE / 3
        parts.append(
            format_html(
                "<g><title>{}: {}</title>"
                '<text x="{}" y="{}" text-anchor="end" fill="currentColor">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"></rect>'
                '<text x="{}" y="{}" fill="currentColor">{}</text></g>',
                label,
                value,
                LABEL_WIDTH - 8,
                text_y,
                _truncate(str(label)),
                LABEL_WIDTH,
                y,
                bar,
                BAR_HEIGHT,
                colour,
                LABEL_WIDTH + bar + 6,
                text_y,
                value,
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))  # parts escaped above
