"""Web forms of the ledger: one contribution form for every type, moderation, the queue filter.

The contribution form groups the 21 types by domain (optgroups) and shows each type's typical unit
in its label, so the fields that matter for a type are clear without any script. The forms only
parse what people type (text to dates, numbers, rows); the rules (no future date, http(s) evidence,
a quantity's unit, which artifact, note lengths...) are the services', whose errors are put back on
the fields (core.forms.add_service_errors), so the web and the API refuse the same input with the
same words.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from contributions.choices import (
    MODERATION_ACTIONS,
    TYPE_DOMAIN,
    TYPICAL_UNITS,
    Compensation,
    ContributionDomain,
    ContributionType,
    LifecyclePhase,
    ModerationAction,
)
from contributions.models import CONTENT_FIELDS
from contributions.services import MAX_EVIDENCE_LINKS, MAX_TITLE_CHARS
from projects.choices import ListingStatus
from projects.forms import LanguageCodesField
from projects.models import Artifact, Project


def grouped_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    groups = []
    for domain in ContributionDomain:
        options = []
        for code, label in ContributionType.choices:
            if TYPE_DOMAIN[code] != domain:
                continue
            unit = TYPICAL_UNITS.get(code)
            options.append((code, f"{label} ({unit})" if unit else label))
        groups.append((domain.label, options))
    return groups


class EvidenceField(forms.CharField):
    """Evidence links, one per line (the service checks them)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            f"One link per line (at most {MAX_EVIDENCE_LINKS}): a pull request, a dataset, a "
            "results page, a forum thread. Only http:// and https:// links.",
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def clean(self, value):
        text = super().clean(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ArtifactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Artifact) -> str:
        return f"{obj} ({obj.get_kind_display().lower()})"


class ProjectChoiceForm(forms.Form):
    """The first step of logging work: which project (its artifacts fill the form's list)."""

    project = forms.ModelChoiceField(
        queryset=Project.objects.filter(listing_status=ListingStatus.LISTED).order_by("name"),
        to_field_name="slug",
        empty_label="Choose a project",
        help_text="Only listed projects take contributions.",
        error_messages={"invalid_choice": "No listed project has this name: choose one below."},
    )


class ContributionForm(forms.Form):
    """Every contribution type in one form; also the edit and the answer to a change request."""

    project = forms.ModelChoiceField(
        queryset=Project.objects.filter(listing_status=ListingStatus.LISTED).order_by("name"),
        help_text="Only listed projects take contributions.",
    )
    type = forms.ChoiceField(
        label="Type of contribution",
        choices=[("", "Choose a type"), *grouped_type_choices()],
        help_text="Grouped by artifact domain; the typical unit is in brackets.",
    )
    title = forms.CharField(widget=forms.TextInput(attrs={"maxlength": MAX_TITLE_CHARS}))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="Markdown: what you did and how the maintainers can check it.",
    )
    occurred_on = forms.DateField(
        label="Date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the work was done (or finished); not in the future.",
    )
    quantity = forms.DecimalField(
        required=False, max_digits=14, decimal_places=2, help_text="How much."
    )
    unit = forms.CharField(
        max_length=40,
        required=False,
        help_text="What the quantity counts; left empty, the type's typical unit is used.",
    )
    phase = forms.ChoiceField(
        label="Lifecycle phase", choices=LifecyclePhase.choices, initial=LifecyclePhase.NOT_SPECIFIC
    )
    artifact = ArtifactChoiceField(
        queryset=Artifact.objects.none(),
        required=False,
        help_text="The model, dataset, benchmark... of the project this work went into.",
    )
    languages = LanguageCodesField(label="Languages of the work")
    evidence_urls = EvidenceField(label="Evidence links")
    compensation = forms.ChoiceField(
        choices=Compensation.choices,
        initial=Compensation.UNDISCLOSED,
        help_text="Fair compensation is one of the study's recommendations; undisclosed is fine.",
    )

    def __init__(self, *args, project: Project | None = None, fixed_project: bool = False, **kw):
        super().__init__(*args, **kw)
        chosen = project or self._chosen_project()
        self.chosen_project = chosen
        if fixed_project and project is not None:
            # Editing: an entry stays with its project.
            del self.fields["project"]
        elif chosen is not None:
            # Chosen in the first step: the page names it, with a link to choose another.
            self.fields["project"].widget = forms.HiddenInput()
        # The list offers the chosen project's artifacts only. The field accepts any listed
        # project's artifact, so that one of another project (a form left open while the project
        # was changed, a hand-made request) gets the rule's own message naming both projects,
        # not "Select a valid choice".
        field = self.fields["artifact"]
        field.queryset = Artifact.objects.select_related("project").filter(
            project__listing_status=ListingStatus.LISTED
        )
        offered = field.queryset.filter(project=chosen).order_by("name") if chosen else []
        field.widget.choices = [
            ("", "None" if chosen else "Choose the project first"),
            *((artifact.pk, field.label_from_instance(artifact)) for artifact in offered),
        ]
        if chosen is not None:
            field.help_text = (
                f"The model, dataset, benchmark... of {chosen.name} this work went into."
            )
        type_code = self.data.get("type") or self.initial.get("type")
        if TYPICAL_UNITS.get(type_code):
            self.fields["unit"].widget.attrs["placeholder"] = TYPICAL_UNITS[type_code]

    def _chosen_project(self) -> Project | None:
        value = self.data.get("project") or self.initial.get("project")
        if isinstance(value, Project):
            return value
        if value and str(value).isdigit():
            return self.fields["project"].queryset.filter(pk=value).first()
        return None

    def content(self) -> dict:
        """The parsed content fields, as the service takes them."""
        return {name: self.cleaned_data[name] for name in CONTENT_FIELDS}


class ResubmitForm(ContributionForm):
    note = forms.CharField(
        label="Your answer to the maintainer",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you changed; it is kept in the entry's history.",
    )


class ModerationForm(forms.Form):
    """The moderator's decision; whether it needs a note is the service's rule."""

    action = forms.ChoiceField(
        choices=[(action, ModerationAction(action).label) for action in MODERATION_ACTIONS]
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required to reject, request changes or revoke: the contributor reads it.",
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(required=False)


class BulkApproveForm(forms.Form):
    """The queue's selection: the ids come from the checkboxes; the service checks each one."""

    MAX_SELECTION = 200
    ids = forms.CharField(required=False)
    note = forms.CharField(required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.selected = (
            [int(v) for v in data.getlist("ids") if v.isdigit()] if data is not None else []
        )

    def clean(self):
        data = super().clean()
        if not self.selected:
            raise ValidationError("Select at least one entry to approve.")
        if len(self.selected) > self.MAX_SELECTION:
            raise ValidationError(f"Approve at most {self.MAX_SELECTION} entries at once.")
        return data


class QueueFilterForm(forms.Form):
    """Age filter of the moderation queue; project and type come from ContributionFilterSet."""

    AGES = [
        ("", "Any age"),
        ("1", "Older than a day"),
        ("7", "Older than a week"),
        ("30", "Older than 30 days"),
    ]
    older_than = forms.ChoiceField(label="Waiting", choices=AGES, required=False)
