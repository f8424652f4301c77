"""A realistic data set at scale for benchmarks and query-count tests
(../shared/spec/performance.md, Data set): bulk inserts, deterministic for a given --seed.

    python manage.py seed_scale --size small|medium|large [--seed 19]

medium: 2,000 enterprises, 5 certification bodies, 20,000 applications over every state,
30,000 audits with their checklists answered, ~60,000 findings, 8,000 certificates, ~200,000
log rows, 100,000 notifications, plus documents, trace tests, appeals, complaints and body
registrations. small is a tenth; large ten times. Dates are laid out backwards from today.

The rows are consistent with the workflow's rules (the states, guards and constraints hold),
but they are written directly, without the services, so the whole set costs minutes, not hours.
Accounts: `scale-staff-<n>`, `scale-lead-<n>`, `scale-assessor-<n>`, `scale-decider-<n>` (body
n), `scale-regulator`, `scale-ent-<n>` (enterprise n, one in ten); password DEMO_PASSWORD.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
import uuid

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from guardian.models import UserObjectPermission

from audits.models import (
    AssessorQualification,
    Audit,
    AuditTeamMember,
    Finding,
    ImpartialityDeclaration,
    TraceTest,
)
from certification.models import (
    ROLE_PERMISSIONS,
    Appeal,
    Application,
    BodyRegistration,
    Certificate,
    Complaint,
    Decision,
    Membership,
    Organisation,
    Province,
    Role,
    Scheme,
)
from certification.validators import tax_code_check_digit
from checklists.models import AuditChecklist, ChecklistAnswer, ChecklistItem, ChecklistTemplate
from core.bulk import BulkWriter
from core.clock import today
from core.models import Counter, LogEntry, User
from documents.models import Document
from notifications.models import Category, Notification

SIZES = {"small": 0.1, "medium": 1.0, "large": 10.0}
SCHEME_CODE = "tcvn-12850-2019"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# Application states and their share of all applications (certified: 40 %, as 8,000 of 20,000).
APPLICATION_MIX = [
    ("draft", 0.075),
    ("submitted", 0.05),
    ("under_review", 0.04),
    ("revision_requested", 0.025),
    ("rejected", 0.02),
    ("in_evaluation", 0.275),
    ("decision_pending", 0.04),
    ("certified", 0.40),
    ("refused", 0.025),
    ("withdrawn", 0.05),
]
# The transitions that led to each state (for the log).
APPLICATION_PATHS = {
    "draft": [],
    "submitted": [("submit", "draft", "submitted")],
    "under_review": [
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "under_review"),
    ],
    "revision_requested": [
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("request_revision", "under_review", "revision_requested"),
    ],
    "rejected": [
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("reject", "under_review", "rejected"),
    ],
    "in_evaluation": [
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("accept", "under_review", "in_evaluation"),
    ],
    "withdrawn": [("submit", "draft", "submitted"), ("withdraw", "submitted", "withdrawn")],
}
APPLICATION_PATHS["decision_pending"] = APPLICATION_PATHS["in_evaluation"] + [
    ("submit_for_decision", "in_evaluation", "decision_pending")
]
APPLICATION_PATHS["certified"] = APPLICATION_PATHS["decision_pending"] + [
    ("grant", "decision_pending", "certified")
]
APPLICATION_PATHS["refused"] = APPLICATION_PATHS["decision_pending"] + [
    ("refuse", "decision_pending", "refused")
]
AUDIT_PATH = [
    ("start", "planned", "in_progress"),
    ("submit_report", "in_progress", "report_submitted"),
    ("close", "report_submitted", "closed"),
]
PRODUCTS = ["Cà phê nhân", "Hồ tiêu đen", "Sầu riêng Ri6", "Chè búp", "Gạo ST25", "Tôm thẻ"]
STAGES = ["primary_production", "harvesting", "processing", "packing", "storage", "export"]
NOTE = "Ghi nhận khi đánh giá tại hiện trường."


class Command(BaseCommand):
    help = "Bulk-generate a data set of the given size for benchmarks (see performance.md)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=19)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (never on a real system: known passwords).",
        )

    def handle(self, *args, size: str, seed: int, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_scale refuses to run with DEBUG off: it creates accounts with a known "
                "password. Use --force only on a throw-away system."
            )
        if User.objects.filter(username="scale-regulator").exists():
            raise CommandError("This database already holds a seed_scale data set.")
        started = time.monotonic()
        if not ChecklistTemplate.objects.exists():
            call_command("import_checklists", stdout=self.stdout)
        with transaction.atomic():
            fast_path(self.stdout.write)
            generator = Generator(factor=SIZES[size], seed=seed, log=self.stdout.write)
            generator.run()
        if generator.postgres:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        total = sum(generator.writer.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_scale {size}: {total:,} rows in {time.monotonic() - started:.0f} s"
            )
        )
        for label, count in sorted(generator.writer.counts.items()):
            self.stdout.write(f"  {label:34} {count:>10,}")


def fast_path(say) -> None:
    """On PostgreSQL as a superuser, skip the per-row foreign-key triggers for this transaction
    (millions of deferred checks at commit): the generator writes consistent rows."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
            say("  foreign-key triggers off for the bulk load (superuser)")


class Generator:
    def __init__(self, *, factor: float, seed: int, log, prefix: str = "") -> None:
        """`prefix` (a digit) lets a second data set sit beside a first one (query-count tests
        at two sizes): it goes into usernames, body codes, tax codes and numbers."""
        from django.db import connection

        self.prefix = prefix
        self.f = factor
        self.rng = random.Random(seed)
        self.say = log
        self.writer = BulkWriter()
        self.postgres = connection.vendor == "postgresql"
        self.today = today()
        self.now = timezone.now()
        self.ct = {
            m: ContentType.objects.get_for_model(m).pk
            for m in (Application, Audit, Certificate, Finding, Organisation, Province, Appeal)
        }
        self.ct[Complaint] = ContentType.objects.get_for_model(Complaint).pk
        self.ct[BodyRegistration] = ContentType.objects.get_for_model(BodyRegistration).pk
        self.password = make_password(settings.DEMO_PASSWORD)
        self.log_rows = 0

    def n(self, medium: int) -> int:
        return max(1, round(medium * self.f))

    def when(self, day: datetime.date, hour: int = 9) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(hour, self.rng.randrange(60)))
        )

    # --- the steps -------------------------------------------------------------------------

    def run(self) -> None:
        for step in (
            self.setup,
            self.people,
            self.enterprises,
            self.applications,
            self.audits,
            self.appeals_and_complaints,
            self.notifications,
            self.writer.finish,
            self.counters,
        ):
            started = time.monotonic()
            step()
            self.say(f"  {step.__name__}: {time.monotonic() - started:.1f} s")

    def setup(self) -> None:
        self.provinces = []
        for code, name in (("gia-lai", "Gia Lai"), ("dak-lak", "Đắk Lắk"), ("kon-tum", "Kon Tum")):
            province, _ = Province.objects.get_or_create(
                code=code,
                defaults={"name": name, "authority_name": f"Sở Khoa học và Công nghệ tỉnh {name}"},
            )
            self.provinces.append(province)
        self.scheme, _ = Scheme.objects.get_or_create(
            code=SCHEME_CODE,
            defaults={
                "name": "Chứng nhận hệ thống truy xuất nguồn gốc theo TCVN 12850:2019",
                "standard": "TCVN 12850:2019",
                "checklist_code": "tcvn-12850-2019-system",
                "required_document_types": [
                    "business_registration",
                    "traceability_procedure",
                    "scope_statement",
                ],
            },
        )
        self.pilot, _ = Scheme.objects.get_or_create(
            code="tcvn-12850-2019-pilot",
            defaults={
                "name": "Thí điểm chứng nhận TXNG (chuỗi ngắn)",
                "standard": "TCVN 12850:2019",
                "checklist_code": "tcvn-12850-2019-system",
                "required_document_types": ["business_registration"],
            },
        )
        templates = {
            t.code: t
            for t in ChecklistTemplate.objects.filter(
                status=ChecklistTemplate.Status.PUBLISHED
            ).order_by("code", "-version")
        }
        self.system = templates["tcvn-12850-2019-system"]
        self.surveillance = templates.get("tcvn-12850-2019-surveillance", self.system)
        self.items = {}
        for template in {self.system, self.surveillance}:
            items = list(ChecklistItem.objects.filter(template=template).order_by("position"))
            for kind in ("stage1", "stage2", "surveillance", "recertification", "special"):
                self.items[(template.pk, kind)] = [
                    (i.pk, i.code, i.severity)
                    for i in items
                    if kind == "special" or kind in (i.applies_to or [])
                ]
        # One stored file that every generated document row points at.
        key = f"documents/scale/{uuid.uuid4().hex}/tai-lieu.pdf"
        self.file_key = default_storage.save(key, ContentFile(PDF))
        self.file_sha = hashlib.sha256(PDF).hexdigest()
        self.perms = {
            p.codename: p.pk
            for p in Permission.objects.filter(
                codename__in=[
                    *ROLE_PERMISSIONS.values(),
                    "view_organisation",
                    "view_province",
                    "view_audit",
                    "oversee_jurisdiction",
                ]
            )
        }

    def user(self, username: str, full_name: str) -> int:
        return self.writer.add(
            User,
            username=username,
            password=self.password,
            full_name=full_name,
            email=f"{username}@scale.txng-cert.vn",
            is_active=True,
            is_staff=False,
            is_superuser=False,
            first_name="",
            last_name="",
            date_joined=self.now,
            preferred_language="vi",
        )

    def membership(self, user_id: int, role: str, *, org: int | None = None, province=None):
        w = self.writer
        w.add(
            Membership,
            user_id=user_id,
            role=role,
            organisation_id=org,
            jurisdiction_id=province,
            created_at=self.now,
            updated_at=self.now,
        )
        model = Province if province else Organisation
        pk = province or org
        view = "view_province" if province else "view_organisation"
        for codename in (ROLE_PERMISSIONS[role], view):
            w.add(
                UserObjectPermission,
                user_id=user_id,
                permission_id=self.perms[codename],
                content_type_id=self.ct[model],
                object_pk=str(pk),
            )

    def people(self) -> None:
        w = self.writer
        self.regulator = self.user(f"scale{self.prefix}-regulator", "Thanh tra Sở KH&CN")
        for province in self.provinces:
            self.membership(self.regulator, Role.REGULATOR, province=province.pk)
        self.bodies = []
        for b in range(1, 6):
            code = f"S{self.prefix}CB{b}"
            body = w.add(
                Organisation,
                kind=Organisation.Kind.CERTIFICATION_BODY,
                name=f"Tổ chức chứng nhận số {b}",
                short_name=code,
                tax_code=self.tax_code(900_000 + b + 10 * int(self.prefix or 0)),
                address=f"Số {b} Trần Hưng Đạo",
                commune="Phường Pleiku",
                province_id=self.provinces[b % len(self.provinces)].pk,
                sector="other",
                email=f"tochuc{b}@scale.txng-cert.vn",
                code=code,
                registration_number=f"{self.prefix}{b}/2025/ĐK-KHCN",
                is_active=True,
                created_at=self.now,
                updated_at=self.now,
            )
            staff = [
                self.user(f"scale{self.prefix}-staff-{b}-{i}", f"Cán bộ {b}.{i}") for i in (1, 2)
            ]
            leads = [
                self.user(f"scale{self.prefix}-lead-{b}-{i}", f"Trưởng đoàn {b}.{i}")
                for i in range(1, 5)
            ]
            assessors = [
                self.user(f"scale{self.prefix}-assessor-{b}-{i}", f"Chuyên gia {b}.{i}")
                for i in range(1, 7)
            ]
            deciders = [
                self.user(f"scale{self.prefix}-decider-{b}-{i}", f"Người quyết định {b}.{i}")
                for i in (1, 2)
            ]

            def competence(u, function):
                # Competence matrix: every area of the scheme, witnessed within 3 years.
                w.add(
                    AssessorQualification,
                    user_id=u,
                    scheme_id=self.scheme.pk,
                    function=function,
                    technical_area="",
                    valid_from=self.today - datetime.timedelta(days=3 * 365),
                    valid_until=None,
                    witnessed_on=self.today - datetime.timedelta(days=200),
                    training="",
                    note="",
                    created_at=self.now,
                    updated_at=self.now,
                )

            for u in staff:
                self.membership(u, Role.CB_STAFF, org=body)
                competence(u, "technical_reviewer")
            for u in leads + assessors:
                self.membership(u, Role.ASSESSOR, org=body)
                competence(u, "lead" if u in leads else "auditor")
            for u in deciders:
                self.membership(u, Role.DECISION_MAKER, org=body)
                competence(u, "decision_maker")
            self.bodies.append(
                {
                    "id": body,
                    "code": code,
                    "staff": staff,
                    "leads": leads,
                    "assessors": assessors,
                    "deciders": deciders,
                }
            )
        # Registrations: every body registered for the main scheme (some earlier rows closed),
        # and the pilot scheme's registrations in the remaining open states.
        closed = ["rejected", "revoked", "expired"]
        pilot_states = ["draft", "submitted", "under_review", "revision_requested", "suspended"]
        for index, body in enumerate(self.bodies):
            province = self.provinces[index % len(self.provinces)].pk
            registered = self.today - datetime.timedelta(days=5 * 365)
            w.add(
                BodyRegistration,
                body_id=body["id"],
                scheme_id=self.scheme.pk,
                jurisdiction_id=province,
                state="registered",
                registration_number=f"{index + 1}/2025/ĐK-KHCN",
                registered_on=registered,
                valid_until=self.today + datetime.timedelta(days=3 * 365),
                assessor_count=10,
                note="",
                created_at=self.when(registered),
                updated_at=self.now,
            )
            if index < len(closed):
                w.add(
                    BodyRegistration,
                    body_id=body["id"],
                    scheme_id=self.scheme.pk,
                    jurisdiction_id=province,
                    state=closed[index],
                    registration_number="",
                    assessor_count=6,
                    note="Hồ sơ cũ.",
                    created_at=self.when(registered - datetime.timedelta(days=400)),
                    updated_at=self.now,
                )
            w.add(
                BodyRegistration,
                body_id=body["id"],
                scheme_id=self.pilot.pk,
                jurisdiction_id=province,
                state=pilot_states[index],
                registration_number="",
                assessor_count=4,
                note="",
                created_at=self.now,
                updated_at=self.now,
            )

    def tax_code(self, n: int) -> str:
        serial = 1_000_000 + n
        while True:
            first_nine = f"58{serial:07d}"
            digit = tax_code_check_digit(first_nine)
            if digit is not None:
                return f"{first_nine}{digit}"
            serial += 3_000_000

    def enterprises(self) -> None:
        w = self.writer
        self.enterprise_rows = []
        sectors = ["crop", "livestock", "aquaculture", "food_processing", "forestry", "trade"]
        for e in range(self.n(2000)):
            province = self.provinces[e % len(self.provinces)]
            pk = w.add(
                Organisation,
                kind=Organisation.Kind.ENTERPRISE,
                name=f"Công ty TNHH Nông sản {e + 1:05d}",
                short_name=f"Nông sản {e + 1:05d}",
                tax_code=self.tax_code(e + 100_000 * int(self.prefix or 0)),
                address=f"Thôn {e % 40 + 1}",
                commune=f"Xã {e % 90 + 1}",
                province_id=province.pk,
                sector=sectors[e % len(sectors)],
                email=f"dn{e + 1}@scale.txng-cert.vn",
                phone="",
                code="",
                registration_number="",
                is_active=True,
                created_at=self.when(self.today - datetime.timedelta(days=4 * 365)),
                updated_at=self.now,
            )
            user = None
            if e % 10 == 0:
                user = self.user(
                    f"scale{self.prefix}-ent-{e + 1}", f"Đại diện doanh nghiệp {e + 1}"
                )
                self.membership(user, Role.ENTERPRISE, org=pk)
            self.enterprise_rows.append({"id": pk, "user": user})

    # --- applications, decisions, certificates -------------------------------------------

    def log(
        self,
        model,
        pk: int,
        repr_: str,
        transition: str,
        source: str,
        target: str,
        at: datetime.datetime,
        actor: int | None,
        comment: str = "",
    ) -> None:
        self.writer.add(
            LogEntry,
            content_type_id=self.ct[model],
            object_id=str(pk),
            object_repr=repr_[:255],
            transition=transition,
            source_state=source,
            target_state=target,
            actor_id=actor,
            actor_name="system" if actor is None else f"user {actor}",
            comment=comment,
            data={},
            created_at=at,
        )

    def documents(self, model, pk: int, types: list[str], by: int, at: datetime.datetime):
        for doc_type in types:
            self.writer.add(
                Document,
                content_type_id=self.ct[model],
                object_id=pk,
                doc_type=doc_type,
                version=1,
                file=self.file_key,
                sha256=self.file_sha,
                size=len(PDF),
                mime_type="application/pdf",
                original_name=f"{doc_type}.pdf",
                uploaded_by_id=by,
                uploaded_at=at,
                generated=False,
                source_key="",
            )

    def applications(self) -> None:
        w, rng = self.writer, self.rng
        total = self.n(20000)
        states = []
        for state, share in APPLICATION_MIX:
            states += [state] * max(1, round(share * total))
        states = states[:total]
        rng.shuffle(states)
        self.audit_plans = []  # (application id, kind, state, body, enterprise, start date)
        self.certificates = []
        self.apps = []
        per_year: dict[int, int] = {}
        cert_per_year: dict[tuple[str, int], int] = {}
        last_certificate: dict[int, dict] = {}
        enterprises = self.enterprise_rows
        for index, state in enumerate(states):
            enterprise = enterprises[index % len(enterprises)]
            body = self.bodies[(index // len(enterprises) + index) % len(self.bodies)]
            age = rng.randrange(20, 3 * 365)
            created = self.today - datetime.timedelta(days=age)
            per_year[created.year] = per_year.get(created.year, 0) + 1
            number = f"HS-{created.year}-{self.prefix}{per_year[created.year]:06d}"
            author = enterprise["user"] or body["staff"][0]
            kind, renews = "initial", None
            previous = last_certificate.get(enterprise["id"])
            if state == "draft" and index % 11 == 0:
                kind = "transfer"
            elif previous is not None and state == "certified" and index % 3 == 0:
                kind, renews = "recertification", previous
            elif previous is not None and state == "draft" and index % 2 == 0:
                kind, renews = "scope_extension", previous
            elif previous is not None and state == "draft":
                kind, renews = "scope_reduction", previous
            transfer = (
                {
                    "previous_body_name": "Tổ chức chứng nhận ngoài hệ thống",
                    "previous_certificate_number": f"TC-{index:06d}",
                    "previous_certificate_valid_until": self.today + datetime.timedelta(days=400),
                }
                if kind == "transfer"
                else {}
            )
            products = [
                {"name": PRODUCTS[(index + k) % len(PRODUCTS)], "gtin": "8934588012228"}
                for k in range(1 + index % 2)
            ]
            app_id = w.next_id(Application)
            decider = body["deciders"][index % 2] if state in ("certified", "refused") else None
            reviewer = (
                body["staff"][1] if state in ("decision_pending", "certified", "refused") else None
            )
            w.add(
                Application,
                id=app_id,
                number=number,
                kind=kind,
                state=state,
                enterprise_id=enterprise["id"],
                body_id=body["id"],
                scheme_id=self.scheme.pk,
                renews_id=renews["id"] if renews else None,
                products=products,
                sites=[{"name": f"Vùng trồng {index % 50 + 1}", "address": "Xã Chư Sê"}],
                stages=STAGES[: 2 + index % 4],
                sector_standard="TCVN 12827:2023",
                scope_note="",
                contact_name="Người liên hệ",
                contact_email="lienhe@scale.txng-cert.vn",
                contact_phone="",
                filed_by_body=enterprise["user"] is None,
                created_by_id=author,
                submitted_at=self.when(created + datetime.timedelta(days=1))
                if state != "draft"
                else None,
                contract_reference=f"HĐ-{app_id}"
                if state in ("in_evaluation", "decision_pending", "certified", "refused")
                else "",
                scope_within_competence=state
                in ("in_evaluation", "decision_pending", "certified", "refused"),
                technical_reviewer_id=reviewer,
                technical_review_note="Đạt yêu cầu." if reviewer else "",
                decision_maker_id=decider,
                created_at=self.when(created),
                updated_at=self.when(created + datetime.timedelta(days=min(age, 15))),
                **transfer,
            )
            self.apps.append((app_id, state, enterprise, body))
            if state != "draft":
                self.documents(
                    Application,
                    app_id,
                    self.scheme.required_document_types,
                    author,
                    self.when(created),
                )
            step = max(1, min(age, 200) // (len(APPLICATION_PATHS[state]) + 1))
            for k, (transition, source, target) in enumerate(APPLICATION_PATHS[state]):
                actor = author if transition in ("submit", "withdraw") else body["staff"][0]
                if transition in ("grant", "refuse"):
                    actor = decider
                self.log(
                    Application,
                    app_id,
                    number,
                    transition,
                    source,
                    target,
                    self.when(created + datetime.timedelta(days=step * (k + 1))),
                    actor,
                )
            # Audits of the evaluation.
            evaluating = state in ("in_evaluation", "decision_pending", "certified", "refused")
            if evaluating:
                first = created + datetime.timedelta(days=step * 3)
                if state == "in_evaluation":
                    stage1 = rng.choice(
                        ["planned", "in_progress", "report_submitted", "closed", "closed", "closed"]
                    )
                    self.audit_plans.append(
                        (app_id, None, "stage1", stage1, body, enterprise, first)
                    )
                    if stage1 == "closed" and index % 2 == 0:
                        second = "recertification" if kind == "recertification" else "stage2"
                        st = rng.choice(["planned", "in_progress", "report_submitted", "cancelled"])
                        self.audit_plans.append(
                            (
                                app_id,
                                None,
                                second,
                                st,
                                body,
                                enterprise,
                                first + datetime.timedelta(days=20),
                            )
                        )
                else:
                    self.audit_plans.append(
                        (app_id, None, "stage1", "closed", body, enterprise, first)
                    )
                    second = "recertification" if kind == "recertification" else "stage2"
                    self.audit_plans.append(
                        (
                            app_id,
                            None,
                            second,
                            "closed",
                            body,
                            enterprise,
                            first + datetime.timedelta(days=20),
                        )
                    )
            if state in ("certified", "refused"):
                decided = min(
                    self.today,
                    created + datetime.timedelta(days=step * len(APPLICATION_PATHS[state])),
                )
                decision = w.add(
                    Decision,
                    application_id=app_id,
                    decision_maker_id=decider,
                    outcome="granted" if state == "certified" else "refused",
                    reasons="Đáp ứng TCVN 12850:2019."
                    if state == "certified"
                    else "Không truy xuất được lô hàng.",
                    technical_review_note="Đạt yêu cầu.",
                    decided_on=decided,
                    number=f"QĐ-{app_id}",
                    created_at=self.when(decided),
                    updated_at=self.when(decided),
                )
                if state == "certified":
                    year = decided.year
                    key = (body["code"], year)
                    cert_per_year[key] = cert_per_year.get(key, 0) + 1
                    cnumber = f"{body['code']}-TXNG-{year}-{cert_per_year[key]:04d}"
                    valid_until = decided + datetime.timedelta(days=3 * 365)
                    cert = {
                        "id": w.next_id(Certificate),
                        "number": cnumber,
                        "app": app_id,
                        "decision": decision,
                        "enterprise": enterprise,
                        "body": body,
                        "issued": decided,
                        "valid_until": valid_until,
                        "products": products,
                        "renews": renews,
                        "state": "active",
                    }
                    self.certificates.append(cert)
                    if renews is not None:
                        renews["state"] = "superseded"
                        renews["superseded_by"] = cert["id"]
                    last_certificate[enterprise["id"]] = cert
        self.write_certificates()

    def write_certificates(self) -> None:
        w, rng = self.writer, self.rng
        for index, cert in enumerate(self.certificates):
            state = cert["state"]
            suspended_until = expired_on = None
            valid_until = cert["valid_until"]
            if state == "active":
                roll = index % 40
                if valid_until <= self.today or roll == 0:
                    state, expired_on = "expired", min(valid_until, self.today)
                    if valid_until > self.today:
                        valid_until = self.today
                        expired_on = valid_until
                elif roll in (1, 2):
                    state, suspended_until = "suspended", self.today + datetime.timedelta(days=60)
                elif roll == 3:
                    state = "withdrawn"
            issued = cert["issued"]
            if valid_until <= issued:
                valid_until = issued + datetime.timedelta(days=1)
            cert["state"] = state
            w.add(
                Certificate,
                id=cert["id"],
                number=cert["number"],
                base_number=cert["number"],
                version=0,
                state=state,
                application_id=cert["app"],
                decision_id=cert["decision"],
                enterprise_id=cert["enterprise"]["id"],
                body_id=cert["body"]["id"],
                scheme_id=self.scheme.pk,
                standard=self.scheme.standard,
                products=cert["products"],
                sites=[{"name": "Nhà máy chế biến", "address": "Quốc lộ 14"}],
                stages=["primary_production", "processing", "packing"],
                issued_on=issued,
                valid_from=issued,
                valid_until=valid_until,
                original_valid_until=cert["valid_until"],
                next_surveillance_due=issued + datetime.timedelta(days=365),
                verification_token=f"{uuid.UUID(int=rng.getrandbits(128)).hex}{self.prefix}{index:08d}",
                suspended_until=suspended_until,
                expired_on=expired_on,
                restored_on=None,
                superseded_by_id=cert.get("superseded_by"),
                created_at=self.when(issued),
                updated_at=self.when(issued),
            )
            at = self.when(issued)
            self.log(
                Certificate,
                cert["id"],
                cert["number"],
                "issue",
                "",
                "active",
                at,
                cert["body"]["deciders"][0],
            )
            if state != "active":
                transition = {
                    "expired": "expire",
                    "suspended": "suspend",
                    "withdrawn": "withdraw",
                    "superseded": "supersede",
                }[state]
                actor = None if transition in ("expire", "supersede") else cert["body"]["staff"][0]
                self.log(
                    Certificate,
                    cert["id"],
                    cert["number"],
                    transition,
                    "active",
                    state,
                    self.when(min(self.today, issued + datetime.timedelta(days=200))),
                    actor,
                    "Ghi chú." if actor else "",
                )
            # Surveillance audits of current certificates (a third of them in the past year).
            if state in ("active", "suspended") and index % 2 == 0:
                start = max(
                    issued + datetime.timedelta(days=300),
                    self.today - datetime.timedelta(days=rng.randrange(5, 200)),
                )
                st = (
                    "closed"
                    if start < self.today - datetime.timedelta(days=30)
                    else rng.choice(["planned", "in_progress", "report_submitted"])
                )
                self.audit_plans.append(
                    (None, cert["id"], "surveillance", st, cert["body"], cert["enterprise"], start)
                )
            if index % 97 == 0:
                self.audit_plans.append(
                    (
                        None,
                        cert["id"],
                        "special",
                        "closed",
                        cert["body"],
                        cert["enterprise"],
                        issued + datetime.timedelta(days=100),
                    )
                )

    # --- audits, checklists, findings ------------------------------------------------------

    def audits(self) -> None:
        w, rng = self.writer, self.rng
        user_ct = self.ct[Audit]
        view_audit = self.perms["view_audit"]
        for seq, (app_id, cert_id, kind, state, body, enterprise, start) in enumerate(
            self.audit_plans
        ):
            start = min(start, self.today + datetime.timedelta(days=20))
            lead = body["leads"][seq % len(body["leads"])]
            member = body["assessors"][seq % len(body["assessors"])]
            started = state not in ("planned", "cancelled")
            ended = state in ("report_submitted", "closed")
            actual_start = start if started else None
            actual_end = start + datetime.timedelta(days=2) if ended else None
            audit_id = w.add(
                Audit,
                application_id=app_id,
                certificate_id=cert_id,
                kind=kind,
                mode="on_site" if seq % 5 else "remote",
                state=state,
                planned_start=start,
                planned_end=start + datetime.timedelta(days=2),
                actual_start=actual_start,
                actual_end=actual_end,
                report_summary="Hệ thống truy xuất vận hành đúng thủ tục." if ended else "",
                conclusion="Đề nghị cấp chứng nhận." if ended else "",
                created_by_id=body["staff"][0],
                created_at=self.when(start - datetime.timedelta(days=10)),
                updated_at=self.when(actual_end or start),
            )
            repr_ = f"{kind} · {audit_id}"
            template = self.surveillance if kind == "surveillance" else self.system
            w.add(
                AuditChecklist,
                audit_id=audit_id,
                template_id=template.pk,
                pinned_at=self.when(start - datetime.timedelta(days=10)),
                pinned_by_id=body["staff"][0],
            )
            for user, role in ((lead, "lead"), (member, "member")):
                w.add(
                    AuditTeamMember,
                    audit_id=audit_id,
                    user_id=user,
                    role=role,
                    created_at=self.now,
                    updated_at=self.now,
                )
                w.add(
                    UserObjectPermission,
                    user_id=user,
                    permission_id=view_audit,
                    content_type_id=user_ct,
                    object_pk=str(audit_id),
                )
                if started:
                    w.add(
                        ImpartialityDeclaration,
                        audit_id=audit_id,
                        user_id=user,
                        no_consultancy=True,
                        no_employment=True,
                        no_financial_interest=True,
                        no_family_ties=True,
                        statement="",
                        signed_at=self.when(start - datetime.timedelta(days=1)),
                        created_at=self.now,
                        updated_at=self.now,
                    )
            if state == "cancelled":
                self.log(
                    Audit,
                    audit_id,
                    repr_,
                    "cancel",
                    "planned",
                    "cancelled",
                    self.when(start),
                    body["staff"][0],
                    "Doanh nghiệp đề nghị dời lịch.",
                )
            for transition, source, target in AUDIT_PATH:
                if (
                    not started
                    or (target == "report_submitted" and not ended)
                    or (target == "closed" and state != "closed")
                ):
                    break
                self.log(
                    Audit,
                    audit_id,
                    repr_,
                    transition,
                    source,
                    target,
                    self.when(start + datetime.timedelta(days=2)),
                    lead if transition != "close" else body["staff"][0],
                )
            if not started:
                continue
            items = self.items[(template.pk, kind)]
            answered = items if ended else items[: len(items) * 2 // 3]
            # Two nonconformities an audit; one closed stage 2 audit in fifty has twenty (the
            # audit report of performance.md, target 6).
            many = kind == "stage2" and state == "closed" and seq % 50 == 0
            picks = min(len(answered), 20 if many else 2)
            nonconform = set(rng.sample(range(len(answered)), k=picks)) if answered else set()
            answered_at = self.when(start + datetime.timedelta(days=1))
            for position, (item_id, code, _severity) in enumerate(answered):
                finding_id = None
                result = "conform"
                note = ""
                if position in nonconform:
                    severity_of = ("minor", "major", "observation")[(seq + position) % 3]
                    result = severity_of
                    note = NOTE
                    finding_state = "closed"
                    if app_id is not None and state != "closed":
                        # Being worked on: waiting for the enterprise, answered, plan accepted.
                        finding_state = "open"
                        if severity_of != "observation":
                            finding_state = rng.choice(("open", "responded", "plan_accepted"))
                    elif (
                        state == "closed"
                        and cert_id is not None
                        and seq % 11 == 0
                        and severity_of != "observation"
                    ):
                        finding_state = ("open", "responded", "plan_accepted")[seq % 3]
                    end = actual_end or start
                    due = Finding.due_date_for(severity_of, self.scheme, end)
                    responded = (
                        finding_state in ("responded", "plan_accepted", "closed")
                        and severity_of != "observation"
                    )
                    finding_id = w.add(
                        Finding,
                        audit_id=audit_id,
                        checklist_item_code=code,
                        severity=severity_of,
                        state=finding_state,
                        description=f"Chưa đáp ứng yêu cầu {code}: hồ sơ lô hàng không đầy đủ.",
                        evidence="Sổ nhật ký sản xuất tháng trước.",
                        clause_reference=code,
                        due_date=due,
                        raised_by_id=lead,
                        root_cause="Chưa đào tạo nhân viên." if responded else "",
                        correction="Bổ sung hồ sơ." if responded else "",
                        corrective_action="Đào tạo lại và kiểm tra hằng tháng."
                        if responded
                        else "",
                        planned_completion=end + datetime.timedelta(days=30) if responded else None,
                        responded_by_id=enterprise["user"] if responded else None,
                        responded_at=self.when(end + datetime.timedelta(days=5))
                        if responded
                        else None,
                        verified_by_id=lead if finding_state == "closed" else None,
                        verified_at=self.when(end + datetime.timedelta(days=20))
                        if finding_state == "closed"
                        else None,
                        escalated_from_minor=False,
                        created_at=answered_at,
                        updated_at=answered_at,
                    )
                    frepr = f"{severity_of} #{finding_id}"
                    self.log(Finding, finding_id, frepr, "raise", "", "open", answered_at, lead)
                    if finding_state == "closed":
                        transition = "acknowledge" if severity_of == "observation" else "verify"
                        self.log(
                            Finding,
                            finding_id,
                            frepr,
                            transition,
                            "open",
                            "closed",
                            self.when(end + datetime.timedelta(days=20)),
                            lead,
                        )
                    if finding_state == "closed" and severity_of != "observation":
                        self.documents(
                            Finding,
                            finding_id,
                            ["evidence"],
                            enterprise["user"] or body["staff"][0],
                            self.when(end + datetime.timedelta(days=10)),
                        )
                w.add(
                    ChecklistAnswer,
                    audit_id=audit_id,
                    item_id=item_id,
                    result=result,
                    note=note,
                    answered_by_id=lead,
                    answered_at=answered_at,
                    finding_id=finding_id,
                )
            if ended and kind in ("stage2", "surveillance", "recertification"):
                t0 = self.when(start + datetime.timedelta(days=1), hour=9)
                w.add(
                    TraceTest,
                    audit_id=audit_id,
                    gtin="8934588012228",
                    lot=f"LO-{audit_id}",
                    direction="both",
                    started_at=t0,
                    ended_at=t0 + datetime.timedelta(hours=1 + seq % 3),
                    quantity_in=1000,
                    quantity_out=980,
                    result="pass",
                    note="",
                    recorded_by_id=lead,
                    finding_id=None,
                    created_at=t0,
                    updated_at=t0,
                )
            if ended:
                self.documents(Audit, audit_id, ["general"], lead, self.when(actual_end))
        # Fill the log up to the data set's size with recorded actions (views, notes).
        target = self.n(200_000)
        done = self.writer.counts.get(LogEntry._meta.label, 0) + len(
            self.writer._rows.get(LogEntry, [])
        )
        apps = self.apps
        for k in range(max(0, target - done)):
            app_id, state, enterprise, body = apps[k % len(apps)]
            self.log(
                Application,
                app_id,
                f"app {app_id}",
                "comment",
                state,
                state,
                self.when(self.today - datetime.timedelta(days=k % 700)),
                body["staff"][k % 2],
                "Trao đổi với doanh nghiệp.",
            )

    def appeals_and_complaints(self) -> None:
        w = self.writer
        states = ["lodged", "under_consideration", "upheld", "dismissed"]
        # Every body has appeals of refusals and of suspensions or withdrawals.
        refused = {b["id"]: [] for b in self.bodies}
        for app_id, state, enterprise, body in self.apps:
            if state == "refused":
                refused[body["id"]].append((app_id, enterprise))
        sanctioned = {b["id"]: [] for b in self.bodies}
        for cert in self.certificates:
            if cert["state"] in ("withdrawn", "suspended"):
                sanctioned[cert["body"]["id"]].append(cert)
        for k in range(max(20, self.n(200))):
            body = self.bodies[k % len(self.bodies)]
            choices_refused, choices_cert = refused[body["id"]], sanctioned[body["id"]]
            if (k // len(self.bodies)) % 2 == 0 and choices_refused:
                app_id, enterprise = choices_refused[k % len(choices_refused)]
                subject, application, certificate = "refusal", app_id, None
            elif choices_cert:
                cert = choices_cert[k % len(choices_cert)]
                enterprise = cert["enterprise"]
                subject = "withdrawal" if cert["state"] == "withdrawn" else "suspension"
                application, certificate = None, cert["id"]
            elif choices_refused:
                app_id, enterprise = choices_refused[k % len(choices_refused)]
                subject, application, certificate = "refusal", app_id, None
            else:
                continue
            state = states[k % len(states)]
            w.add(
                Appeal,
                state=state,
                subject=subject,
                enterprise_id=enterprise["id"],
                body_id=body["id"],
                application_id=application,
                certificate_id=certificate,
                grounds="Doanh nghiệp đã khắc phục và đề nghị xem xét lại.",
                lodged_by_id=enterprise["user"] or body["staff"][0],
                handler_id=body["deciders"][1] if state != "lodged" else None,
                outcome_reasons="Đã xem xét." if state in ("upheld", "dismissed") else "",
                created_at=self.now,
                updated_at=self.now,
            )
        for k in range(max(30, self.n(300))):
            cert = self.certificates[k % len(self.certificates)] if self.certificates else None
            body = cert["body"] if cert else self.bodies[k % len(self.bodies)]
            w.add(
                Complaint,
                state=("received", "investigating", "resolved")[k % 3],
                body_id=body["id"],
                enterprise_id=cert["enterprise"]["id"] if cert else None,
                certificate_id=cert["id"] if cert else None,
                complainant_name="Người tiêu dùng",
                complainant_email=f"khach{k}@example.vn",
                submitted_by_id=None,
                subject="Nhãn truy xuất không khớp",
                description="Mã QR trên bao bì mở ra thông tin của lô khác.",
                resolution="Đã xác minh và yêu cầu sửa nhãn." if k % 3 == 2 else "",
                created_at=self.now,
                updated_at=self.now,
            )

    def notifications(self) -> None:
        w = self.writer
        recipients = [e["user"] for e in self.enterprise_rows if e["user"]] + [
            u for b in self.bodies for u in b["staff"] + b["leads"] + b["assessors"] + b["deciders"]
        ]
        categories = [c for c, _ in Category.choices]
        apps = self.apps
        for k in range(self.n(100_000)):
            app_id, state, _enterprise, _body = apps[k % len(apps)]
            created = self.when(self.today - datetime.timedelta(days=k % 400))
            w.add(
                Notification,
                recipient_id=recipients[k % len(recipients)],
                event=f"application.{state}",
                category=categories[k % len(categories)],
                content_type_id=self.ct[Application],
                object_id=str(app_id),
                title=f"Hồ sơ {app_id}: trạng thái mới",
                body="Hồ sơ của bạn đã chuyển trạng thái.",
                url=f"/applications/{app_id}/",
                read_at=created if k % 3 else None,
                created_at=created,
                dedup_key=hashlib.sha256(f"scale{self.prefix}:{k}".encode()).hexdigest()[:64],
                email_status="sent" if k % 4 else "skipped",
                email_attempts=1 if k % 4 else 0,
                email_error="",
                email_claimed_at=None,
                emailed_at=created if k % 4 else None,
            )

    def counters(self) -> None:
        """Number series move past the generated numbers (new numbers never collide)."""
        top: dict[tuple[str, int], int] = {}
        for number in Application.objects.filter(
            body_id__in=[b["id"] for b in self.bodies]
        ).values_list("number", flat=True):
            _hs, year, serial = number.split("-")
            key = ("application", int(year))
            top[key] = max(top.get(key, 0), int(serial))
        for body in self.bodies:
            for number in Certificate.objects.filter(body_id=body["id"], version=0).values_list(
                "number", flat=True
            ):
                _code, _txng, year, serial = number.split("-")
                key = (f"certificate:{body['code']}", int(year))
                top[key] = max(top.get(key, 0), int(serial))
        for (series, year), value in top.items():
            self._bump(series, year, value)

    def _bump(self, series: str, year: int, value: int) -> None:
        counter, _ = Counter.objects.get_or_create(series=series, year=year)
        if counter.value < value:
            counter.value = value
            counter.save(update_fields=["value"])
