"""L4: a Content-Security-Policy on every response, scripts only from this site's files: no
`unsafe-inline`, no `unsafe-eval`, no nonce (cached public pages stay cacheable) — and no page
carries an inline script or an inline event handler the policy would block."""

import re

import pytest

PAGES_ANONYMOUS = [
    "/accounts/login/",
    "/verify/",
    "/complaints/new/",
    "/accounts/password/reset/",
    "/api/v1/docs/",
]
PAGES_SIGNED_IN = ["/", "/applications/", "/applications/new/", "/notifications/"]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def _check(response):
    policy = _directives(response)
    assert policy["script-src"] == ["'self'"], policy
    assert "'unsafe-inline'" not in policy.get("default-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    text = response.content.decode()
    assert not INLINE_SCRIPT.findall(text), INLINE_SCRIPT.findall(text)
    assert not INLINE_HANDLER.findall(text), INLINE_HANDLER.findall(text)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES_ANONYMOUS)
def test_public_pages_have_a_strict_script_policy_and_no_inline_script(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    _check(response)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES_SIGNED_IN)
def test_signed_in_pages_have_a_strict_script_policy_and_no_inline_script(
    client, enterprise_user, body, url
):
    client.force_login(enterprise_user)
    response = client.get(url)
    assert response.status_code == 200, url
    _check(response)


@pytest.mark.django_db
def test_the_api_docs_start_up_script_is_a_file(client):
    page = client.get("/api/v1/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert any("script" in src for src in sources), sources
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_removal_of_a_table_row_is_done_by_the_static_script():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    rows = root / "certification/templates/certification/partials/application_product_row.html"
    assert "data-remove-row" in rows.read_text()
    assert "data-remove-row" in (root / "core/static/core/app.js").read_text()
