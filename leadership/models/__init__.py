"""Models of leadership (5.1): commitments and their evidence, management reviews, actions, quality objectives."""
from leadership.models.actions import Action, ActionNote, ActionQuerySet, ActionSource, ActionStatus
from leadership.models.commitments import (
    Commitment,
    CommitmentQuerySet,
    EvidenceAttachment,
    EvidenceEntry,
    EvidenceKind,
    evidence_file_path,
)
from leadership.models.evidence_pack import EvidencePack, EvidencePackPart, PartStatus
from leadership.models.objectives import Direction, Measurement, QualityObjective
from leadership.models.readiness import ReadinessSettings, ReadinessSnapshot
from leadership.models.reviews import (
    MAX_DURATION_MINUTES,
    InputCode,
    ManagementReview,
    OutputCategory,
    ReviewAttendance,
    ReviewInput,
    ReviewOutput,
    ReviewStatus,
    duration_label,
)

__all__ = [
    "MAX_DURATION_MINUTES",
    "Action", "ActionNote", "ActionQuerySet", "ActionSource", "ActionStatus", "Commitment", "CommitmentQuerySet",
    "Direction", "EvidenceAttachment", "EvidenceEntry", "EvidenceKind", "EvidencePack", "EvidencePackPart",
    "InputCode", "ManagementReview", "PartStatus",
    "Measurement", "OutputCategory", "QualityObjective", "ReadinessSettings", "ReadinessSnapshot",
    "ReviewAttendance", "ReviewInput", "ReviewOutput",
    "ReviewStatus", "duration_label", "evidence_file_path",
]
