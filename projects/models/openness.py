"""Openness records of model artifacts: the Model Openness Framework components of a release."""

from django.db import models
from django.db.models import Q

from projects.choices import FactSource, MOFComponent


class ArtifactComponent(models.Model):
    """One MOF component of a model release: whether it is released, where, under which licence."""

    artifact = models.ForeignKey(
        "projects.Artifact", on_delete=models.CASCADE, related_name="components"
    )
    component = models.CharField("component", max_length=40, choices=MOFComponent.choices)
    released = models.BooleanField("released", default=True)
    location = models.URLField("location", max_length=500, blank=True)
    licence = models.ForeignKey(
        "projects.Licence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="components",
        help_text="Empty when the component's licence is inherited or none is given.",
    )
    licence_text = models.CharField(
        "licence as given",
        max_length=200,
        blank=True,
        help_text="The licence string exactly as the source gave it (e.g. 'unlicensed').",
    )
    source = models.CharField(
        "source", max_length=10, choices=FactSource.choices, default=FactSource.WEB
    )
    source_url = models.CharField("source reference", max_length=500, blank=True)

    class Meta:
        ordering = ["artifact", "component"]
        verbose_name = "MOF component"
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "component"], name="artifact_component_unique"
            ),
            models.CheckConstraint(
                condition=Q(component__in=MOFComponent.values), name="artifact_component_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artifact}: {self.get_component_display()}"
