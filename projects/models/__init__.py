# The openness tables live with their subsystem (projects/openness/models.py); importing that
# module here registers them with the app, which Django loads through projects.models.
from projects.openness import models as openness_models  # noqa: F401

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
    "Country",
    "GovernanceChange",
    "Language",
    "Licence",
    "Maintainership",
    "Organisation",
    "Project",
    "ProjectOrganisation",
]
