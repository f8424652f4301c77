"""Every `code` an error body of the API can carry, in one table (the schema's `ErrorCode`
enum and the README's table are built from it).

- the general codes below (validation, credentials, permission, not found, throttling…);
- the codes of the domain errors (HTTP 409) the services raise besides guards
  (`DOMAIN_CODES`);
- the code of every guard declared on a workflow transition (collected from the models).
"""

from django.apps import apps

# code → (HTTP status, meaning)
GENERAL_CODES: dict[str, tuple[int, str]] = {
    "invalid": (400, "Some fields are invalid: `errors` has the messages by field."),
    "parse_error": (400, "The request body could not be read (malformed JSON or form)."),
    "bad_request": (400, "The request could not be read (too many files or fields, bad headers)."),
    "not_authenticated": (401, "No credentials were sent."),
    "authentication_failed": (401, "The credentials are wrong, or the account is inactive."),
    "permission_denied": (403, "You may not do this; `detail` says why."),
    "two_factor_required": (
        403,
        "Finish two-factor sign-in first (the token endpoint takes `otp`).",
    ),
    "not_found": (404, "No such object, or one you may not see."),
    "method_not_allowed": (405, "This method is not allowed here."),
    "not_acceptable": (406, "The response cannot be given in the format asked for."),
    "too_large": (413, "The file is larger than allowed."),
    "unsupported_media_type": (415, "The body's content type is not accepted."),
    "unsupported_type": (415, "The file's type is not accepted."),
    "throttled": (429, "Too many requests: wait the seconds `detail` says."),
    "locked_out": (429, "Too many failed sign-in attempts: try again later."),
    "invalid_state": (409, "Not possible in the object's current state."),
    "guard": (409, "A condition of this step is not met."),
    "error": (500, "Any other error."),
}

# Codes of the domain errors (409) the services raise themselves, besides the guards.
DOMAIN_CODES: dict[str, str] = {
    "application_not_in_evaluation": "The application is not in evaluation.",
    "audit_not_in_progress": "The audit is not in progress.",
    "audit_open": "An audit of this kind is already open.",
    "body_code_missing": "The certification body has no code for its decision numbers.",
    "certificate_not_active": "The certificate is not valid.",
    "checklist_missing": "The audit has no checklist.",
    "conflict_declared": "A team member declared a conflict of interest.",
    "documents_missing": "Required documents are missing.",
    "impartiality_conflict": "An impartiality conflict prevents this.",
    "decision_maker_not_qualified": "The decision maker holds no valid competence record for "
    "the scheme and the client's technical area.",
    "last_manager": "The body's last manager cannot leave its management.",
    "lead_not_qualified": "The lead assessor is not qualified for the scheme.",
    "member_not_qualified": "A team member holds no valid competence record for the role, the "
    "scheme and the client's technical area, or their witnessed audit is overdue.",
    "membership_ended": "The membership has ended.",
    "not_a_transfer": "Only a transfer application has a pre-transfer review.",
    "not_editable": "The object can no longer be changed.",
    "objection_open": "An objection to this team member is already open.",
    "recertification_due": "The next audit of the certificate is its recertification.",
    "restore_window_passed": "The restoration window has passed.",
    "complaint_not_investigating": "Acknowledge the complaint first: this is done while it is "
    "investigated.",
    "complaint_without_certificate": "The complaint names no certificate.",
    "special_audit_open": "This complaint has already opened a special audit.",
    "stage1_missing": "Plan the stage 1 audit before the stage 2 audit.",
    "template_empty": "The checklist template has no items.",
    "technical_reviewer_not_qualified": "The technical reviewer holds no valid competence record "
    "for the scheme and the client's technical area.",
    "template_not_draft": "The checklist template is not a draft.",
    "upload_key_used": "This upload key is already used.",
}


def guard_codes() -> dict[str, str]:
    """The code and message of every guard on a transition of an installed model."""
    from django_fsm import FSMFieldMixin

    from core.workflow import Guard

    found: dict[str, str] = {}
    for model in apps.get_models():
        for field in model._meta.fields:
            if not isinstance(field, FSMFieldMixin):
                continue
            for transition in field.get_all_transitions(model):
                for condition in transition.conditions:
                    if isinstance(condition, Guard):
                        found.setdefault(condition.code, str(condition.message))
    return found


def error_codes() -> list[tuple[str, int, str]]:
    """(code, HTTP status, meaning) of every error code, general ones first, then by code."""
    rows = [(code, status, str(text)) for code, (status, text) in GENERAL_CODES.items()]
    domain = {code: str(text) for code, text in DOMAIN_CODES.items()}
    for code, text in guard_codes().items():
        domain.setdefault(code, text)
    rows += [
        (code, 409, text) for code, text in sorted(domain.items()) if code not in GENERAL_CODES
    ]
    return rows
