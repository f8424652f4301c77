"""Fixtures of the checklists tests: template files in a temporary folder."""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from checklists.importer import DATA_DIR

SYSTEM_FILE = DATA_DIR / "tcvn-12850-2019-system.v1.yaml"
SURVEILLANCE_FILE = DATA_DIR / "tcvn-12850-2019-surveillance.v1.yaml"


@pytest.fixture
def system_content() -> dict[str, Any]:
    """The shipped system template as loaded from its file (a fresh copy per test)."""
    return copy.deepcopy(yaml.safe_load(SYSTEM_FILE.read_text(encoding="utf-8")))


@pytest.fixture
def write_template(tmp_path) -> Callable[..., Path]:
    """Write template content (a dict, or raw text) to a file in a temporary folder."""

    def write(content: dict[str, Any] | str, name: str | None = None) -> Path:
        if name is None:
            name = f"{content['code']}.v{content['version']}.yaml"
        path = tmp_path / name
        text = (
            content
            if isinstance(content, str)
            else yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
        )
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- Audits (made through the audits app's own services and test helpers) --------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Documents uploaded by the audits helpers go to a temporary local storage."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


@pytest.fixture
def templates(db):
    """The shipped templates (system and surveillance), version 1, imported."""
    from checklists.services import template_import

    template_import(paths=[SYSTEM_FILE, SURVEILLANCE_FILE])


@pytest.fixture
def scheme(db):
    from certification.tests.factories import SchemeFactory

    return SchemeFactory()


@pytest.fixture
def registration(body, scheme, regulator, cb_staff):
    from certification.tests.factories import registered_body

    return registered_body(body, scheme, regulator=regulator, staff=cb_staff)


def _assessor(body, admin_user, username):
    from certification.models import Role
    from certification.tests.factories import UserFactory, grant

    return grant(UserFactory(username=username), Role.ASSESSOR, body, by=admin_user)


@pytest.fixture
def member(body, admin_user):
    return _assessor(body, admin_user, "member")


@pytest.fixture
def observer(body, admin_user):
    return _assessor(body, admin_user, "observer")


@pytest.fixture
def other_assessor(body, admin_user):
    """An assessor of the same body who is on no team."""
    return _assessor(body, admin_user, "assessor2")


@pytest.fixture
def application(enterprise, body, scheme, enterprise_user, cb_staff, registration):
    from audits.tests.factories import application_in_evaluation

    return application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
    )


@pytest.fixture
def start_audit(cb_staff, lead_assessor, member, observer):
    """Start an audit (planned, pinned, started) with lead, member and observer on its team."""
    from audits.tests.factories import started_audit
    from checklists.services import checklist_pin

    def start(**kwargs):
        audit = started_audit(
            staff=cb_staff,
            lead=lead_assessor,
            members=[(member, "member"), (observer, "observer")],
            **kwargs,
        )
        checklist_pin(audit=audit, by=cb_staff)
        return audit

    return start


@pytest.fixture
def stage1(application, templates, start_audit):
    """A stage 1 audit in progress, pinned to version 1 of the system template."""
    from audits.models import Audit

    return start_audit(application=application, kind=Audit.Kind.STAGE1)
