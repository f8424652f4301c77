"""An audit in progress with a lead and a member, for the offline checklist in a browser (the
tests and the README's screenshot of the sync counter)."""

import io

from PIL import Image

PASSWORD = "pw-Secret-2026"  # certification.tests.factories.UserFactory


def audit_in_progress():
    """(audit, lead, member): a stage 1 audit in progress, pinned to the shipped system
    checklist, with `lead` and `member` (assessors of the body) on its team."""
    from audits.models import Audit
    from audits.tests.factories import application_in_evaluation, started_audit
    from certification.models import Role
    from certification.tests.factories import (
        BodyFactory,
        EnterpriseFactory,
        ProvinceFactory,
        SchemeFactory,
        UserFactory,
        grant,
        registered_body,
    )
    from checklists.services import checklist_pin, template_import
    from checklists.tests.conftest import SURVEILLANCE_FILE, SYSTEM_FILE

    template_import(paths=[SYSTEM_FILE, SURVEILLANCE_FILE])
    admin = UserFactory(username="offline-admin", is_staff=True, is_superuser=True)
    province = ProvinceFactory()
    body = BodyFactory(province=province, code="OFFLN")
    enterprise = EnterpriseFactory(province=province, name="HTX Cà phê Ia Grai")
    scheme = SchemeFactory()
    staff = grant(UserFactory(username="offline-staff"), Role.CB_STAFF, body, by=admin)
    regulator = grant(UserFactory(username="offline-reg"), Role.REGULATOR, province, by=admin)
    registered_body(body, scheme, regulator=regulator, staff=staff)
    enterprise_user = grant(
        UserFactory(username="offline-ent"), Role.ENTERPRISE, enterprise, by=admin
    )
    lead = grant(
        UserFactory(username="truongdoan", first_name="Trưởng đoàn"), Role.ASSESSOR, body, by=admin
    )
    member = grant(
        UserFactory(username="thanhvien", first_name="Thành viên"), Role.ASSESSOR, body, by=admin
    )
    application = application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=staff,
    )
    audit = started_audit(
        staff=staff,
        lead=lead,
        members=[(member, "member")],
        application=application,
        kind=Audit.Kind.STAGE1,
    )
    checklist_pin(audit=audit, by=staff)
    return audit, lead, member


def photo_bytes() -> bytes:
    """A small JPEG, as a phone's camera would give (with a time in its EXIF)."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:28 09:15:30"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 120, 70)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


QUEUED_ANSWERS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("txng-offline");
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains("answers")) { resolve(0); return; }
    const count = db.transaction("answers").objectStore("answers").count();
    count.onsuccess = () => resolve(count.result);
    count.onerror = () => reject(count.error);
  };
  open.onerror = () => reject(open.error);
})"""
