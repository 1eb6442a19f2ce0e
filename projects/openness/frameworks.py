"""The Model Openness Framework as a table: its 17 components, their content types and the class
that introduces each (rules/mof.settings.yml of the Model Openness Tool). Pure data and lookups."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from projects.choices import MOFComponent


class ComponentType(StrEnum):
    """MOT's content types; also the keys of a release's type-specific global licences."""

    CODE = "code"
    DATA = "data"
    DOCUMENT = "document"


@dataclass(frozen=True)
class ComponentSpec:
    component: MOFComponent
    mot_id: int  # the tool's component id (mof.settings.yml), used in its badges and API
    type: ComponentType
    mof_class: int  # the class that introduces the component (3, 2 or 1)
    required: bool


# The table of rules/mof.settings.yml. Kept as code, not read at runtime: it is the definition the
# analysis depends on, and a test checks it against the tool's file.
MOF_COMPONENTS: tuple[ComponentSpec, ...] = (
    ComponentSpec(MOFComponent.MODEL_ARCHITECTURE, 9, ComponentType.CODE, 3, True),
    ComponentSpec(MOFComponent.FINAL_PARAMETERS, 10, ComponentType.DATA, 3, True),
    ComponentSpec(MOFComponent.EVALUATION_RESULTS, 12, ComponentType.DOCUMENT, 3, True),
    ComponentSpec(MOFComponent.MODEL_CARD, 13, ComponentType.DOCUMENT, 3, True),
    ComponentSpec(MOFComponent.DATA_CARD, 14, ComponentType.DOCUMENT, 3, True),
    ComponentSpec(MOFComponent.TECHNICAL_REPORT, 11, ComponentType.DOCUMENT, 3, True),
    ComponentSpec(MOFComponent.SAMPLE_OUTPUTS, 20, ComponentType.DOCUMENT, 3, False),
    ComponentSpec(MOFComponent.TRAINING_CODE, 7, ComponentType.CODE, 2, True),
    ComponentSpec(MOFComponent.INFERENCE_CODE, 8, ComponentType.CODE, 2, True),
    ComponentSpec(MOFComponent.EVALUATION_CODE, 18, ComponentType.CODE, 2, True),
    ComponentSpec(MOFComponent.EVALUATION_DATA, 19, ComponentType.DATA, 2, True),
    ComponentSpec(MOFComponent.SUPPORTING_LIBRARIES, 22, ComponentType.CODE, 2, False),
    ComponentSpec(MOFComponent.DATASETS, 15, ComponentType.DATA, 1, True),
    ComponentSpec(MOFComponent.PREPROCESSING_CODE, 16, ComponentType.CODE, 1, True),
    ComponentSpec(MOFComponent.INTERMEDIATE_PARAMETERS, 24, ComponentType.DATA, 1, True),
    ComponentSpec(MOFComponent.RESEARCH_PAPER, 21, ComponentType.DOCUMENT, 1, True),
    ComponentSpec(MOFComponent.MODEL_METADATA, 17, ComponentType.DATA, 1, False),
)
COMPONENT_SPECS: dict[MOFComponent, ComponentSpec] = {s.component: s for s in MOF_COMPONENTS}

CLASS_LABELS = {
    0: "Unclassified",
    1: "Class I - Open Science Model",
    2: "Class II - Open Tooling Model",
    3: "Class III - Open Model",
}
ROMAN = {1: "I", 2: "II", 3: "III"}


def required_for(mof_class: int) -> tuple[MOFComponent, ...]:
    """The required components of a class, cumulative: Class II needs Class III's too."""
    return tuple(s.component for s in MOF_COMPONENTS if s.required and s.mof_class >= mof_class)


def component_from_mot_name(name: str) -> MOFComponent | None:
    """Map a MOT component name to our code; None for an unknown name (MOT would silently file it
    under Datasets, which we refuse to do)."""
    for component in MOFComponent:
        if component.label == name:
            return component
    return None


def component_name(component: MOFComponent) -> str:
    return str(component.label)
