from audits.models.audits import (
    TRACE_TEST_KINDS,
    Audit,
    AuditTeamMember,
    ImpartialityDeclaration,
)
from audits.models.findings import Finding
from audits.models.objections import TeamObjection
from audits.models.qualifications import (
    AssessorQualification,
    Function,
    Outcome,
    TrainingRecord,
    WitnessedAudit,
    WitnessKind,
)
from audits.models.trace_tests import TraceTest, TraceTestDirection

__all__ = [
    "TRACE_TEST_KINDS",
    "AssessorQualification",
    "Audit",
    "AuditTeamMember",
    "Finding",
    "Function",
    "ImpartialityDeclaration",
    "Outcome",
    "TeamObjection",
    "TraceTest",
    "TraceTestDirection",
    "TrainingRecord",
    "WitnessKind",
    "WitnessedAudit",
]
