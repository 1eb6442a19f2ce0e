from .openness import (
    ArtifactComponent,
    ArtifactLicence,
    ArtifactOpenness,
    AssessmentRating,
    MotRecord,
    ThirdPartyAssessment,
)
from .registry import (
    Artifact,
    Country,
    GovernanceChange,
    Language,
    Licence,
    Maintainership,
    Organisation,
    Project,
    ProjectOrganisation,
)

__all__ = [
    "Artifact",
    "ArtifactComponent",
    "ArtifactLicence",
    "ArtifactOpenness",
    "AssessmentRating",
    "Country",
    "GovernanceChange",
    "Language",
    "Licence",
    "Maintainership",
    "MotRecord",
    "Organisation",
    "Project",
    "ProjectOrganisation",
    "ThirdPartyAssessment",
]
