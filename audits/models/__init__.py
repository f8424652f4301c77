from audits.models.audits import (
    TRACE_TEST_KINDS,
    Audit,
    AuditTeamMember,
    ImpartialityDeclaration,
)
from audits.models.findings import Finding
from audits.models.qualifications import AssessorQualification
from audits.models.trace_tests import TraceTest, TraceTestDirection

__all__ = [
    "TRACE_TEST_KINDS",
    "AssessorQualification",
    "Audit",
    "AuditTeamMember",
    "Finding",
    "ImpartialityDeclaration",
    "TraceTest",
    "TraceTestDirection",
]
