"""The registry's vocabulary (docs/domain.md). The codes are stable keys the analysis depends on."""

from django.db import models


class GovernanceModel(models.TextChoices):
    SINGLE_COMPANY = "single_company", "Single company project"
    SINGLE_RESEARCH_INSTITUTE = "single_research_institute", "Single research institute project"
    MULTI_ORG_RESEARCH_INSTITUTE = (
        "multi_org_research_institute",
        "Multi-organizational research institute project",
    )
    NONPROFIT_GRASSROOTS = "nonprofit_grassroots", "Non-profit-sponsored grassroots project"
    COMPANY_GRASSROOTS = "company_grassroots", "Company-sponsored grassroots project"
    OTHER = "other", "Other / unclassified"


class OrganisationKind(models.TextChoices):
    COMPANY = "company", "Company"
    RESEARCH_INSTITUTE = "research_institute", "Research institute"
    UNIVERSITY = "university", "University"
    NON_PROFIT = "non_profit", "Non-profit"
    GRASSROOTS_COMMUNITY = "grassroots_community", "Grassroots community"
    GOVERNMENT = "government", "Government"


class OrganisationRole(models.TextChoices):
    LEAD = "lead", "Lead"
    SPONSOR = "sponsor", "Sponsor"
    PARTNER = "partner", "Partner"
    COMPUTE_PROVIDER = "compute_provider", "Compute provider"
    FUNDER = "funder", "Funder"


class Motivation(models.TextChoices):
    DEMOCRATIZING_ACCESS = "democratizing_access", "Democratizing access to AI"
    OPEN_SCIENCE = "open_science", "Promoting open science"
    REGIONAL_ECOSYSTEM = "regional_ecosystem", "Building a regional ecosystem"
    LANGUAGE_REPRESENTATION = "language_representation", "Expanding language representation"
    INNOVATION = "innovation", "Innovation"
    COMMERCIAL = "commercial", "Commercial"


class ContributionAgreement(models.TextChoices):
    NONE = "none", "None"
    DCO = "dco", "Developer Certificate of Origin (DCO)"
    CLA = "cla", "Contributor Licence Agreement (CLA)"


class ListingStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    LISTED = "listed", "Listed"
    DECLINED = "declined", "Declined"
    ARCHIVED = "archived", "Archived"


class Continent(models.TextChoices):
    AFRICA = "AF", "Africa"
    ANTARCTICA = "AN", "Antarctica"
    ASIA = "AS", "Asia"
    EUROPE = "EU", "Europe"
    NORTH_AMERICA = "NA", "North America"
    OCEANIA = "OC", "Oceania"
    SOUTH_AMERICA = "SA", "South America"


class ResourceLevel(models.TextChoices):
    """How well a language is served by digital resources (after Joshi et al. 2020, coarsened)."""

    HIGH = "high", "High-resource"
    MEDIUM = "medium", "Medium-resource"
    LOW = "low", "Low-resource (underrepresented)"
    UNKNOWN = "unknown", "Unknown"


UNDERREPRESENTED_LEVELS = (ResourceLevel.LOW, ResourceLevel.UNKNOWN)


class LicenceKind(models.TextChoices):
    CODE = "code", "Code"
    DATA = "data", "Data"
    CONTENT = "content", "Content (documents)"
    MODEL_WEIGHTS = "model_weights", "Model weights"


class ArtifactKind(models.TextChoices):
    MODEL = "model", "Model"
    DATASET = "dataset", "Dataset"
    BENCHMARK = "benchmark", "Benchmark"
    SOFTWARE = "software", "Software framework or library"
    LEADERBOARD = "leaderboard", "Leaderboard"
    FORUM = "forum", "Forum or community channel"
    COMPUTE = "compute", "Compute partnership"
    DOCUMENT = "document", "Document (paper, technical report)"


# The six artifact domains of the study, and which artifact kinds fall in each.
class ArtifactDomain(models.TextChoices):
    MODELS = "models", "Models"
    DATA = "data", "Data"
    SOFTWARE = "software", "Software"
    EVALUATION = "evaluation", "Evaluation"
    COMPUTE = "compute", "Compute"
    COMMUNITY = "community", "Community engagement"


ARTIFACT_KIND_DOMAIN = {
    ArtifactKind.MODEL: ArtifactDomain.MODELS,
    ArtifactKind.DATASET: ArtifactDomain.DATA,
    ArtifactKind.BENCHMARK: ArtifactDomain.EVALUATION,
    ArtifactKind.LEADERBOARD: ArtifactDomain.EVALUATION,
    ArtifactKind.SOFTWARE: ArtifactDomain.SOFTWARE,
    ArtifactKind.COMPUTE: ArtifactDomain.COMPUTE,
    ArtifactKind.FORUM: ArtifactDomain.COMMUNITY,
    ArtifactKind.DOCUMENT: ArtifactDomain.COMMUNITY,
}


class DerivationRelation(models.TextChoices):
    FINETUNE = "finetune", "Fine-tune"
    ADAPTER = "adapter", "Adapter"
    MERGE = "merge", "Merge"
    QUANTIZED = "quantized", "Quantized"
    CONTINUED_PRETRAINING = "continued_pretraining", "Continued pre-training"


class MOFComponent(models.TextChoices):
    """The 17 Model Openness Framework components, labelled as the Model Openness Tool does."""

    MODEL_ARCHITECTURE = "model_architecture", "Model architecture"
    FINAL_PARAMETERS = "final_parameters", "Model parameters (Final)"
    EVALUATION_RESULTS = "evaluation_results", "Evaluation results"
    MODEL_CARD = "model_card", "Model card"
    DATA_CARD = "data_card", "Data card"
    TECHNICAL_REPORT = "technical_report", "Technical report"
    SAMPLE_OUTPUTS = "sample_outputs", "Sample model outputs"
    TRAINING_CODE = "training_code", "Training code"
    INFERENCE_CODE = "inference_code", "Inference code"
    EVALUATION_CODE = "evaluation_code", "Evaluation code"
    EVALUATION_DATA = "evaluation_data", "Evaluation data"
    SUPPORTING_LIBRARIES = "supporting_libraries", "Supporting libraries and tools"
    DATASETS = "datasets", "Datasets"
    PREPROCESSING_CODE = "preprocessing_code", "Data preprocessing code"
    INTERMEDIATE_PARAMETERS = "intermediate_parameters", "Model parameters (Intermediate)"
    RESEARCH_PAPER = "research_paper", "Research paper"
    MODEL_METADATA = "model_metadata", "Model metadata"


class FactSource(models.TextChoices):
    """Where a registry fact came from, so every page can show its provenance."""

    SEED = "seed", "Seeded cartography"
    WEB = "web", "Entered on the web"
    API = "api", "Entered through the API"
    IMPORT = "import", "Imported"
