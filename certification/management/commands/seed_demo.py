"""Demo accounts and organisations (../shared/spec/demo-and-ops.md, Demo accounts)."""

import contextlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from certification.demo_workflow import seed_workflow
from certification.models import (
    Application,
    Certificate,
    Membership,
    Organisation,
    Province,
    Role,
    Sector,
)
from certification.services import membership_grant
from checklists.models import ChecklistTemplate
from core.models import User
from signing.demo import ensure_demo_signing

PROVINCE = {
    "code": "gia-lai",
    "name": "Gia Lai",
    "authority_name": "Sở Khoa học và Công nghệ tỉnh Gia Lai",
}

# The whole country: its regulator (the `national` account) decides body registrations.
NATIONAL = {
    "code": "toan-quoc",
    "name": "Toàn quốc",
    "authority_name": "Ủy ban Tiêu chuẩn Đo lường Chất lượng Quốc gia",
    "is_national": True,
}

ORGANISATIONS = {
    "enterprise": {
        "kind": Organisation.Kind.ENTERPRISE,
        "name": "Công ty TNHH Cà phê Chư Sê",
        "short_name": "Cà phê Chư Sê",
        "tax_code": "5900432185",
        "address": "Thôn Ia Bang, Quốc lộ 14",
        "commune": "Xã Chư Sê",
        "sector": Sector.CROP,
        "email": "lienhe@caphechuse.example.vn",
        "phone": "0269 3850 123",
    },
    "enterprise2": {
        "kind": Organisation.Kind.ENTERPRISE,
        "name": "Công ty Cổ phần Sầu riêng và Hồ tiêu Ia Grai",
        "short_name": "Sầu riêng Ia Grai",
        "tax_code": "5901187641",
        "address": "Làng Dơr, Tỉnh lộ 664",
        "commune": "Xã Ia Grai",
        "sector": Sector.CROP,
        "email": "",
        "phone": "",
    },
    # Filed on paper by the body's staff (no demo account of their own).
    "enterprise3": {
        "kind": Organisation.Kind.ENTERPRISE,
        "name": "Công ty TNHH Chè Biển Hồ",
        "short_name": "Chè Biển Hồ",
        "tax_code": "5900189540",
        "address": "Thôn 2, đường Tôn Đức Thắng",
        "commune": "Phường Biển Hồ",
        "sector": Sector.CROP,
        "email": "",
        "phone": "",
    },
    "enterprise4": {
        "kind": Organisation.Kind.ENTERPRISE,
        "name": "Hợp tác xã Hồ tiêu Chư Prông",
        "short_name": "HTX Hồ tiêu Chư Prông",
        "tax_code": "5901234563",
        "address": "Thôn Phú Tâm",
        "commune": "Xã Chư Prông",
        "sector": Sector.CROP,
        "email": "",
        "phone": "",
    },
    "enterprise5": {
        "kind": Organisation.Kind.ENTERPRISE,
        "name": "Công ty Cổ phần Mật ong Krông Pa",
        "short_name": "Mật ong Krông Pa",
        "tax_code": "5901345672",
        "address": "Buôn Chư Gu",
        "commune": "Xã Krông Pa",
        "sector": Sector.LIVESTOCK,
        "email": "",
        "phone": "",
    },
    "body": {
        "kind": Organisation.Kind.CERTIFICATION_BODY,
        "name": "Trung tâm Chứng nhận Phù hợp Gia Lai",
        "short_name": "GLCERT",
        "tax_code": "5902009352",
        "address": "Số 17 Trần Hưng Đạo",
        "commune": "Phường Pleiku",
        "sector": Sector.OTHER,
        "email": "chungnhan@glcert.example.vn",
        "phone": "0269 3824 567",
        "code": "GLCERT",
        "registration_number": "12/2026/ĐK-KHCN",
    },
}

# username → (full name, role, organisation key, or "province" / "national" for a regulator's
# jurisdiction)
ACCOUNTS = {
    "enterprise": ("Nguyễn Thị Hạnh", Role.ENTERPRISE, "enterprise"),
    "enterprise2": ("Rơ Châm Blơi", Role.ENTERPRISE, "enterprise2"),
    "cbstaff": ("Trần Văn Minh", Role.CB_STAFF, "body"),
    "lead": ("Lê Thị Thu Hương", Role.ASSESSOR, "body"),
    "assessor": ("Phạm Đức Anh", Role.ASSESSOR, "body"),
    "decider": ("Võ Quang Vinh", Role.DECISION_MAKER, "body"),
    "regulator": ("Đặng Thị Lan", Role.REGULATOR, "province"),
    "national": ("Hoàng Minh Tuấn", Role.REGULATOR, "national"),
}
# GLCERT's other official auditors (qualified for the scheme, so that the body meets the
# registration minimum of 4); they cannot sign in.
OFFICIAL_AUDITORS = {
    "auditor3": "Hoàng Văn Nam",
    "auditor4": "Siu H'Nhi",
}
# The body's management (handles complaints about the body itself).
MANAGEMENT = {"decider"}


class Command(BaseCommand):
    help = (
        "Create the demo accounts, organisations, registration and applications in several "
        "states (idempotent). Password: DEMO_PASSWORD."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (never on a real system).",
        )
        parser.add_argument(
            "--mail-dir",
            type=Path,
            default=settings.BASE_DIR / "var" / "demo-mail",
            help="Where the demo's e-mails are written when e-mail goes to the console "
            "(the default backend), one file per message batch.",
        )

    def handle(self, *args, force: bool = False, mail_dir: Path, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "seed_demo refuses to run with DEBUG off: it creates accounts with a known "
                    "password. Use --force only on a throw-away system."
                )
            )
        with self._quiet(mail_dir) as mail_note:
            created = self._seed()
        self._summary(created=created, mail_note=mail_note)

    @contextlib.contextmanager
    def _quiet(self, mail_dir: Path):
        """The demo's e-mails go to files rather than the console, and tasks run in-process
        without logging each success: the summary at the end is what a newcomer reads."""
        quiet_loggers = [logging.getLogger(name) for name in ("celery", "kombu")]
        levels = [logger.level for logger in quiet_loggers]
        for logger in quiet_loggers:
            logger.setLevel(logging.WARNING)
        console = settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
        try:
            if console:
                mail_dir.mkdir(parents=True, exist_ok=True)
                with override_settings(
                    EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                    EMAIL_FILE_PATH=str(mail_dir),
                ):
                    yield str(mail_dir)
            else:
                yield ""
        finally:
            for logger, level in zip(quiet_loggers, levels, strict=True):
                logger.setLevel(level)

    @transaction.atomic
    def _seed(self) -> bool:
        """Create what is missing; True when the demo files were made by this run."""
        password = settings.DEMO_PASSWORD
        province, _created = Province.objects.update_or_create(
            code=PROVINCE["code"], defaults=PROVINCE
        )
        national = Province.objects.filter(is_national=True).first()
        if national is None:
            national = Province.objects.create(**NATIONAL)
        jurisdictions = {"province": province, "national": national}
        orgs = {}
        for key, fields in ORGANISATIONS.items():
            lookup = (
                {"code": fields["code"]}
                if "code" in fields
                else {"tax_code": fields["tax_code"], "kind": fields["kind"]}
            )
            org, _created = Organisation.objects.update_or_create(
                **lookup, defaults={**fields, "province": province}
            )
            org.full_clean()
            orgs[key] = org

        admin = self._user("admin", "Quản trị hệ thống", password, superuser=True)
        people = {}
        for username, (full_name, role, org_key) in ACCOUNTS.items():
            user = people[username] = self._user(username, full_name, password)
            organisation = orgs.get(org_key)
            jurisdiction = jurisdictions.get(org_key)
            exists = (
                Membership.objects.active()
                .filter(user=user, role=role, organisation=organisation, jurisdiction=jurisdiction)
                .exists()
            )
            if not exists:
                membership_grant(
                    user=user,
                    role=role,
                    organisation=organisation,
                    jurisdiction=jurisdiction,
                    by=admin,
                )
        for username, full_name in OFFICIAL_AUDITORS.items():
            user = people[username] = self._user(username, full_name, None)
            if not (
                Membership.objects.active()
                .filter(user=user, role=Role.ASSESSOR, organisation=orgs["body"])
                .exists()
            ):
                membership_grant(user=user, role=Role.ASSESSOR, organisation=orgs["body"], by=admin)
        Membership.objects.active().filter(
            user__username__in=MANAGEMENT, organisation=orgs["body"]
        ).update(manages_body=True)
        if not ChecklistTemplate.objects.exists():
            call_command("import_checklists", stdout=self.stdout)
        # Before the workflow: its grants sign their certificates after commit.
        ensure_demo_signing(orgs["body"])
        had_files = Application.objects.exists()
        seed_workflow(people=people, orgs=orgs, province=province)
        return not had_files

    def _summary(self, *, created: bool, mail_note: str) -> None:
        """A few lines: where to go, who to be, what there is to see."""
        write = self.stdout.write
        write("")
        write(
            self.style.SUCCESS(
                _("Demo data ready.") if created else _("Demo data already present; unchanged.")
            )
        )
        write(_("Open %(url)s and sign in as:") % {"url": settings.SITE_URL + "/"})
        roles = dict(Role.choices)
        width = max(len(name) for name in ACCOUNTS)
        write(f"  {'admin'.ljust(width)}  {_('administrator')}")
        for username, (full_name, role, _org) in ACCOUNTS.items():
            write(f"  {username.ljust(width)}  {roles[role]} — {full_name}")
        write(
            _("Password of every demo account: %(password)s") % {"password": settings.DEMO_PASSWORD}
        )
        states = dict(Application.State.choices)
        counts = Application.objects.values("state").annotate(n=Count("pk")).order_by("state")
        files = ", ".join(f"{row['n']} {states.get(row['state'], row['state'])}" for row in counts)
        write(_("Applications: %(files)s.") % {"files": files or "0"})
        write(
            _("Certificates: %(certificates)d; organisations: %(organisations)d.")
            % {
                "certificates": Certificate.objects.count(),
                "organisations": Organisation.objects.count(),
            }
        )
        if mail_note and created:
            write(_("The demo's e-mails were written to %(folder)s.") % {"folder": mail_note})

    def _user(
        self, username: str, full_name: str, password: str | None, *, superuser: bool = False
    ) -> User:
        """The account, with `password` (None: it cannot sign in)."""
        user, _ = User.objects.get_or_create(username=username)
        user.full_name = full_name
        user.email = f"{username}@demo.txng-cert.vn"
        user.is_active = True
        user.is_staff = superuser
        user.is_superuser = superuser
        user.preferred_language = "vi"
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        return user
