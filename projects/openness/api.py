"""The openness overview in the API: every visible model release with its MOF class under both
readings and the third-party assessments' summaries, filtered as the page filters
(projects.openness.filters). `urlpatterns` are relative to /api/v1/; cartography/api.py wires
them."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from projects.openness.filters import OpennessFilterSet
from projects.openness.selectors import openness_overview
from projects.openness.serializers import OpennessOverviewSerializer


@extend_schema(
    summary="Openness of model releases",
    description=(
        "Every visible model release with its Model Openness Framework class under the Model "
        "Openness Tool's rules and under the strict reading (a licence fit for each "
        "component's type), and the Open Source AI Index assessments with the dimensions where "
        "they disagree with the platform. Filters as on the overview page."
    ),
    tags=["openness"],
)
class OpennessOverviewList(generics.ListAPIView):
    serializer_class = OpennessOverviewSerializer
    filterset_class = OpennessFilterSet

    def get_queryset(self):
        return openness_overview(self.request.user)


urlpatterns = [
    path("openness/", OpennessOverviewList.as_view(), name="openness-overview"),
]
