import pytest

from documents.tests import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores files under its own temporary MEDIA_ROOT (local storage)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def draft_application(enterprise, body, enterprise_user):
    return factories.application(enterprise=enterprise, body=body, created_by=enterprise_user)


@pytest.fixture
def issued_certificate(enterprise, body, enterprise_user, decider):
    return factories.certificate(
        enterprise=enterprise, body=body, created_by=enterprise_user, decider=decider
    )
