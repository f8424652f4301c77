"""Two-factor sign-in (TOTP, django-otp) for the body's staff, decision makers and regulators.

- Optional for anyone holding one of those roles: /accounts/two-factor/ sets up an
  authenticator app (QR code or key), then shows ten one-use recovery codes (django-otp's
  static tokens).
- Required when an organisation (a certification body) or a province (for its regulators) has
  `require_two_factor` set: such a user is sent to the set-up page until they have a device.
- Once a user has a device, every sign-in asks for a code (or a recovery code) before any page;
  the API's token endpoint asks for it too (`otp`).
"""

import base64
import io

from django.db import transaction
from django.db.models import Q
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from certification.models import Membership, Role
from core.models import User

TWO_FACTOR_ROLES = (Role.CB_STAFF, Role.ASSESSOR, Role.DECISION_MAKER, Role.REGULATOR)
RECOVERY_CODES = 10
DEVICE_NAME = "TXNG Cert"


def may_use_two_factor(user: User) -> bool:
    """Body staff, decision makers and regulators (and administrators) may turn it on."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Membership.objects.active().filter(user=user, role__in=TWO_FACTOR_ROLES).exists()


def two_factor_required(user: User) -> bool:
    """An organisation or province where the user holds such a role demands it."""
    if not user.is_authenticated:
        return False
    return (
        Membership.objects.active()
        .filter(user=user, role__in=TWO_FACTOR_ROLES)
        .filter(Q(organisation__require_two_factor=True) | Q(jurisdiction__require_two_factor=True))
        .exists()
    )


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user: User) -> bool:
    return user.is_authenticated and confirmed_device(user) is not None


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an SVG QR code (a data: URI: no script, no request)."""
    import segno

    out = io.BytesIO()
    segno.make(device.config_url, micro=False).save(out, kind="svg", scale=5)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def secret_key_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def two_factor_enrol_start(*, by: User) -> TOTPDevice:
    """A new, unconfirmed authenticator device for `by` (replacing an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=by, confirmed=False).delete()
    return TOTPDevice.objects.create(user=by, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def two_factor_enrol_confirm(*, device: TOTPDevice, token: str, by: User) -> list[str] | None:
    """Confirm `device` with a code from the app: the new recovery codes, or None when the code
    is wrong. Any earlier device and recovery codes of the user are replaced."""
    if device.user_id != by.pk or device.confirmed or not device.verify_token(token.strip()):
        return None
    TOTPDevice.objects.filter(user=by, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_renew(by=by)


@transaction.atomic
def recovery_codes_renew(*, by: User) -> list[str]:
    """Ten new one-use recovery codes (the old ones stop working)."""
    StaticDevice.objects.filter(user=by).delete()
    static = StaticDevice.objects.create(user=by, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def verify_code(user: User, code: str):
    """The device (authenticator or recovery) that accepts `code`, or None. A recovery code
    is used up."""
    code = "".join(code.split())
    if not code:
        return None
    device = confirmed_device(user)
    if code.isdigit() and len(code) <= 8:
        # An authenticator's code (recovery codes are letters and digits): a wrong one
        # counts against the app's throttle only.
        return device if device is not None and device.verify_token(code) else None
    for static in StaticDevice.objects.filter(user=user, confirmed=True):
        if static.verify_token(code):
            return static
    return None


@transaction.atomic
def two_factor_disable(*, by: User) -> bool:
    """Turn two-factor sign-in off, unless an organisation of `by` requires it."""
    if two_factor_required(by):
        return False
    TOTPDevice.objects.filter(user=by).delete()
    StaticDevice.objects.filter(user=by).delete()
    return True
