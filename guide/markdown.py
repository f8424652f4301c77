"""A small, safe Markdown renderer for the user guide (docs/guide/<lang>/*.md).

Supported: headings `#` to `####` (an explicit anchor `{#id}` at the end, else none), paragraphs,
`-` and `1.` lists, `> ` notes, inline `code`, **bold**, *italic*, links `[text](target)` and
images `![alt](screenshots/name.png)`. Every piece of text is HTML-escaped before any markup is
added, and link targets are limited to the guide's own pages, anchors and site paths (or
https:// addresses): the output never carries HTML written in a guide file.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,4})\s+(.*?)\s*(?:\{#([a-z0-9][a-z0-9-]*)\})?\s*$")
_ORDERED = re.compile(r"^\d+[.)]\s+(.*)$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*\s][^*]*?)\*(?![*\w])")
_SAFE_TARGET = re.compile(
    r"^(?:#[a-z0-9-]+|/[\w\-./#?=&%]*|[a-z0-9-]+/?(?:#[a-z0-9-]+)?|https://[\w\-./#?=&%]+)$"
)
_SCREENSHOT = re.compile(r"^screenshots/([a-z0-9-]+\.png)$")


@dataclass
class Rendered:
    html: str
    title: str = ""
    anchors: list[str] = field(default_factory=list)
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # level, id, text


def _inline(text: str, *, screenshot_url) -> str:
    """Escape `text`, then add the inline markup. Code spans are cut out first so their
    content is shown as written."""
    pieces = _CODE.split(text)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 == 1:
            out.append(f"<code>{html.escape(piece)}</code>")
            continue
        escaped = html.escape(piece, quote=True)

        def image(match):
            alt, target = match.group(1), html.unescape(match.group(2))
            shot = _SCREENSHOT.match(target)
            if not shot:
                return alt
            return (
                f'<img src="{html.escape(screenshot_url(shot.group(1)))}" alt="{alt}" '
                'class="img-fluid border rounded my-2" loading="lazy">'
            )

        def link(match):
            label, target = match.group(1), html.unescape(match.group(2))
            if not _SAFE_TARGET.match(target):
                return label
            return f'<a href="{html.escape(target)}">{label}</a>'

        escaped = _IMAGE.sub(image, escaped)
        escaped = _LINK.sub(link, escaped)
        escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
        escaped = _ITALIC.sub(r"<em>\1</em>", escaped)
        out.append(escaped)
    return "".join(out)


def render(source: str, *, screenshot_url=lambda name: name) -> Rendered:
    result = Rendered(html="")
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""
    quote: list[str] = []

    def inline(text: str) -> str:
        return _inline(text, screenshot_url=screenshot_url)

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            body = "".join(f"<li>{inline(i)}</li>" for i in items)
            out.append(f"<{list_tag}>{body}</{list_tag}>")
            items.clear()
            list_tag = ""
        if quote:
            out.append(
                f'<div class="alert alert-info small" role="note">{inline(" ".join(quote))}</div>'
            )
            quote.clear()

    for raw in source.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        heading = _HEADING.match(stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            text, anchor = heading.group(2), heading.group(3) or ""
            if level == 1 and not result.title:
                result.title = text
            tag = f"h{min(level + 1, 5)}" if level > 1 else "h1"
            css = {1: "h3 mb-3", 2: "h4 mt-4 pt-2 border-top", 3: "h5 mt-3", 4: "h6 mt-3"}[level]
            ident = f' id="{anchor}"' if anchor else ""
            out.append(f'<{tag}{ident} class="{css}" tabindex="-1">{inline(text)}</{tag}>')
            if anchor:
                result.anchors.append(anchor)
            result.headings.append((level, anchor, text))
        elif stripped.startswith(("- ", "* ")):
            if list_tag != "ul":
                flush()
                list_tag = "ul"
            items.append(stripped[2:])
        elif _ORDERED.match(stripped):
            if list_tag != "ol":
                flush()
                list_tag = "ol"
            items.append(_ORDERED.match(stripped).group(1))
        elif stripped.startswith(">"):
            if paragraph or items:
                flush()
            quote.append(stripped.lstrip(">").strip())
        elif items and raw.startswith(("  ", "\t")):
            items[-1] += " " + stripped  # continuation of a list item
        else:
            if items or quote:
                flush()
            paragraph.append(stripped)
    flush()
    result.html = "\n".join(out)
    return result
