"""The user guide, in the reader's language: its index and one page per role."""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from guide import pages


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    language = request.LANGUAGE_CODE
    entries = [(slug, pages.page(language, slug)) for slug in pages.PAGES]
    return render(
        request,
        "guide/guide_index.html",
        {"entries": [(slug, p.title) for slug, p in entries if p is not None]},
    )


@require_GET
def page_view(request: HttpRequest, slug: str) -> HttpResponse:
    rendered = pages.page(request.LANGUAGE_CODE, slug)
    if rendered is None:
        raise Http404
    return render(
        request,
        "guide/guide_page.html",
        {
            "slug": slug,
            "title": rendered.title,
            # Safe: guide.markdown escapes every text it renders (see its docstring).
            "body": mark_safe(rendered.html),
            "toc": [(anchor, text) for level, anchor, text in rendered.headings if level == 2],
            "entries": [
                (s, p.title)
                for s in pages.PAGES
                if (p := pages.page(request.LANGUAGE_CODE, s)) is not None
            ],
        },
    )


@require_GET
def screenshot(request: HttpRequest, name: str) -> FileResponse:
    """A screenshot of docs/screenshots (taken by `make screenshots`) shown in the guide."""
    folder = Path(settings.BASE_DIR) / "docs" / "screenshots"
    path = folder / name
    if path.parent != folder or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type="image/png")
