from certification.models.appeals import Appeal, Complaint
from certification.models.applications import (
    Application,
    ConflictDeclaration,
    Decision,
    SupplyChainStage,
)
from certification.models.certificates import Certificate, StopUseNotice
from certification.models.impartiality import (
    BodyConflict,
    CommitteeDecision,
    CommitteeMeeting,
    ImpartialityRisk,
)
from certification.models.organisations import (
    ROLE_PERMISSIONS,
    Membership,
    MembershipQuerySet,
    Organisation,
    Province,
    Role,
    Sector,
)
from certification.models.registrations import BodyRegistration
from certification.models.schemes import DocumentType, Scheme

__all__ = [
    "ROLE_PERMISSIONS",
    "Appeal",
    "Application",
    "BodyConflict",
    "BodyRegistration",
    "Certificate",
    "CommitteeDecision",
    "CommitteeMeeting",
    "Complaint",
    "ConflictDeclaration",
    "Decision",
    "DocumentType",
    "ImpartialityRisk",
    "Membership",
    "MembershipQuerySet",
    "Organisation",
    "Province",
    "Role",
    "Scheme",
    "Sector",
    "StopUseNotice",
    "SupplyChainStage",
]
