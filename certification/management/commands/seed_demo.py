"""Demo accounts and organisations (../shared/spec/demo-and-ops.md, Demo accounts)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from certification.demo_workflow import seed_workflow
from certification.models import Membership, Organisation, Province, Role, Sector
from certification.services import membership_grant
from checklists.models import ChecklistTemplate
from core.models import User
from signing.demo import ensure_demo_signing

PROVINCE = {
    "code": "gia-lai",
    "name": "Gia Lai",
    "authority_name": "Sở Khoa học và Công nghệ tỉnh Gia Lai",
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

# username → (full name, role, organisation key or None for the province)
ACCOUNTS = {
    "enterprise": ("Nguyễn Thị Hạnh", Role.ENTERPRISE, "enterprise"),
    "enterprise2": ("Rơ Châm Blơi", Role.ENTERPRISE, "enterprise2"),
    "cbstaff": ("Trần Văn Minh", Role.CB_STAFF, "body"),
    "lead": ("Lê Thị Thu Hương", Role.ASSESSOR, "body"),
    "assessor": ("Phạm Đức Anh", Role.ASSESSOR, "body"),
    "decider": ("Võ Quang Vinh", Role.DECISION_MAKER, "body"),
    "regulator": ("Đặng Thị Lan", Role.REGULATOR, None),
}


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

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates accounts with a known "
                "password. Use --force only on a throw-away system."
            )
        password = settings.DEMO_PASSWORD
        province, _ = Province.objects.update_or_create(code=PROVINCE["code"], defaults=PROVINCE)
        orgs = {}
        for key, fields in ORGANISATIONS.items():
            lookup = (
                {"code": fields["code"]}
                if "code" in fields
                else {"tax_code": fields["tax_code"], "kind": fields["kind"]}
            )
            org, _ = Organisation.objects.update_or_create(
                **lookup, defaults={**fields, "province": province}
            )
            org.full_clean()
            orgs[key] = org

        admin = self._user("admin", "Quản trị hệ thống", password, superuser=True)
        people = {}
        for username, (full_name, role, org_key) in ACCOUNTS.items():
            user = people[username] = self._user(username, full_name, password)
            organisation = orgs[org_key] if org_key else None
            jurisdiction = None if org_key else province
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
        if not ChecklistTemplate.objects.exists():
            call_command("import_checklists", stdout=self.stdout)
        # Before the workflow: its grants sign their certificates after commit.
        ensure_demo_signing(orgs["body"])
        seed_workflow(people=people, orgs=orgs, province=province)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(ACCOUNTS) + 1} accounts (password from DEMO_PASSWORD), "
                f"{len(orgs)} organisations in {province.name}."
            )
        )

    def _user(
        self, username: str, full_name: str, password: str, *, superuser: bool = False
    ) -> User:
        user, _ = User.objects.get_or_create(username=username)
        user.full_name = full_name
        user.email = f"{username}@demo.txng-cert.vn"
        user.is_active = True
        user.is_staff = superuser
        user.is_superuser = superuser
        user.preferred_language = "vi"
        user.set_password(password)
        user.save()
        return user
