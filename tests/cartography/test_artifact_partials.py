"""The cartography's parts of registry pages, rendered as the pages pull them in:
`{% load cartography_tags %}` then `{% artifact_openness a %}`, `{% artifact_lineage a %}` and
`{% project_openness p %}`.
"""

import pytest
from django.template import Context, Template
from django.utils import timezone

from projects.models import Artifact, Project
from tests import factories

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load cartography_tags %}" + source).render(Context(context))


def no_inline_code(html: str) -> None:
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_openness_of_a_derived_model_explains_itself(seeded):
    artifact = Artifact.objects.get(slug="nb-llama-3-1-8b-instruct")
    html = render("{% artifact_openness artifact %}", artifact=artifact)
    no_inline_code(html)
    assert 'id="openness"' in html
    assert "Does not conform" in html
    assert 'data-reason="licence_restricts_use"' in html
    assert 'data-caveat="inherited_use_restriction"' in html
    assert html.count('class="inferred"') >= 1  # no components recorded: marked as inferred
    for freedom in ("use", "study", "modify", "share"):
        assert f'data-freedom="{freedom}"' in html
    assert "Class III" in html and "Class II" in html and "Class I" in html


def test_openness_is_for_models_only(seeded):
    html = render("{% artifact_openness artifact %}", artifact=Artifact.objects.get(slug="dolma"))
    assert "for model releases only" in html


def test_lineage_tree_marks_the_artifact_and_lists_upstream_credit(seeded):
    base = Artifact.objects.get(slug="llama-3-1-8b")
    moderator = factories.StaffFactory()
    for type_ in ("data_annotation", "evaluation", "code"):
        factories.ContributionFactory(
            project=base.project,
            artifact=base,
            type=type_,
            status="approved",
            moderated_by=moderator,
            moderated_at=timezone.now(),
        )
    factories.ContributionFactory(project=base.project, artifact=base, type="evaluation")  # pending
    artifact = Artifact.objects.get(slug="nb-llama-3-1-8b-instruct")
    html = render("{% artifact_lineage artifact %}", artifact=artifact)
    no_inline_code(html)
    # The whole family from the root: the base, its instruct model, and its derivatives.
    family = Artifact.objects.filter(slug__startswith="llama-3-1-8b") | Artifact.objects.filter(
        derived_from__slug__in=["llama-3-1-8b", "llama-3-1-8b-instruct"]
    )
    for member in family.distinct():
        assert str(member) in html
    assert html.count('aria-current="true"') == 1
    assert html.count("<ul") == html.count("</ul>")
    # Approved upstream work only, data and evaluation first.
    table = html.split('data-testid="upstream-credits"')[1]
    rows = table.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    assert rows == 3
    assert html.index("Data annotation") < html.index("Code</td>")


def test_project_openness_lists_every_model(seeded):
    project = Project.objects.get(slug="llama")
    html = render("{% project_openness project %}", project=project)
    no_inline_code(html)
    for model in project.artifacts.filter(kind="model"):
        assert model.get_absolute_url() in html
