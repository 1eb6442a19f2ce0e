from .openness import ArtifactComponent
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
    "Country",
    "GovernanceChange",
    "Language",
    "Licence",
    "Maintainership",
    "Organisation",
    "Project",
    "ProjectOrganisation",
]
