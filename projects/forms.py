"""Web forms of the registry, and the form helpers the other apps' forms share.

Forms validate what a person typed; the services validate again (they are the one path for every
caller). A service's ValidationError is mapped back onto the form by
`core.forms.add_service_errors`, so an error always shows next to its field.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from projects.choices import (
    ArtifactKind,
    ContributionAgreement,
    DerivationRelation,
    GovernanceModel,
    MOFComponent,
    Motivation,
    OrganisationKind,
    OrganisationRole,
)
from projects.models import Artifact, Country, Language, Organisation, Project
from projects.services import licence_get, project_slug_check

# Project slugs that would shadow a fixed page under /projects/.
_SPLIT = re.compile(r"[\s,;]+")


class CodesField(forms.CharField):
    """Several reference rows typed as codes or names, separated by commas or spaces.

    The language table holds every ISO 639-3 language (thousands): a select of that size is
    unusable without script, so people type codes ("pol, tha") or exact names ("Polish").
    """

    model: type = Language
    code_field = "code"
    what = "language"

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def normalize(self, token: str) -> str:
        return token.lower()

    def prepare_value(self, value):
        if isinstance(value, list | tuple | set) or hasattr(value, "all"):
            items = value.all() if hasattr(value, "all") else value
            return ", ".join(getattr(item, self.code_field, str(item)) for item in items)
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return []
        tokens = [t for t in _SPLIT.split(text) if t]
        found = {
            getattr(row, self.code_field).lower(): row
            for row in self.model.objects.filter(
                **{f"{self.code_field}__in": [self.normalize(t) for t in tokens]}
            )
        }
        result, unknown = [], []
        for token in tokens:
            row = found.get(token.lower())
            if row is None:
                row = self.model.objects.filter(name__iexact=token).first()
            if row is None:
                unknown.append(token)
            elif row not in result:
                result.append(row)
        if unknown:
            raise ValidationError(
                f"Unknown {self.what} code(s): {', '.join(unknown[:10])}.", code="unknown"
            )
        return result


class LanguageCodesField(CodesField):
    model = Language
    code_field = "code"
    what = "language"

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", "ISO 639-3 codes or names, separated by commas, e.g. pol, tha, yor."
        )
        super().__init__(**kwargs)


class CountryCodesField(CodesField):
    model = Country
    code_field = "code"
    what = "country"

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", "ISO 3166 two-letter codes, separated by commas, e.g. PL, NO."
        )
        super().__init__(**kwargs)

    def normalize(self, token: str) -> str:
        return token.upper()


class LicenceField(forms.CharField):
    """A licence typed as its identifier (SPDX id, or as the model hub spells it)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault(
            "help_text", "SPDX identifier such as Apache-2.0, or a hub id such as llama3.1."
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return getattr(value, "identifier", value)

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        licence = licence_get(text)
        if licence is None:
            raise ValidationError(
                f"Unknown licence {text!r}: use an SPDX identifier.", code="unknown"
            )
        return licence


# PROJECTS
# ------------------------------------------------------------------------------
class ProjectProposalForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=80,
        required=False,
        help_text="The project's address on this site; made from the name when left empty.",
    )
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    governance_model = forms.ChoiceField(
        # An explicit empty first choice: nothing is pre-selected for the proposer.
        choices=[("", "Choose a governance model"), *GovernanceModel.choices],
        help_text="The five models of the study; choose 'Other' when none fits.",
    )
    motivations = forms.MultipleChoiceField(
        choices=Motivation.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    countries = CountryCodesField()
    languages = LanguageCodesField(label="Target languages")
    website = forms.URLField(required=False, assume_scheme="https")
    code_url = forms.URLField(label="Code repository", required=False, assume_scheme="https")
    model_hub_url = forms.URLField(label="Model hub", required=False, assume_scheme="https")
    forum_url = forms.URLField(label="Forum", required=False, assume_scheme="https")
    code_of_conduct_url = forms.URLField(
        label="Code of conduct", required=False, assume_scheme="https"
    )
    contribution_agreement = forms.ChoiceField(
        choices=ContributionAgreement.choices, initial=ContributionAgreement.NONE
    )

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.data.get("name", ""))[:80]
        if not slug:
            return slug
        # The service's check, here too so that the form shows it beside the other fields.
        try:
            project_slug_check(slug)
        except ValidationError as error:
            raise ValidationError(error.message_dict["slug"]) from error
        return slug


class OrganisationRoleForm(forms.Form):
    """One organisation of a proposal: a listed one, or a new one by name (created for the
    proposal, listed only when staff list it: projects.services.project_propose)."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.listed().order_by("name"), required=False
    )
    new_name = forms.CharField(
        label="or a new organisation",
        max_length=200,
        required=False,
        help_text="Its name, if it is not in the list.",
    )
    new_kind = forms.ChoiceField(
        label="its kind",
        choices=[("", "---------"), *OrganisationKind.choices],
        required=False,
    )
    role = forms.ChoiceField(choices=[("", "---------"), *OrganisationRole.choices], required=False)

    def clean(self):
        data = super().clean()
        new_name = data["new_name"] = " ".join((data.get("new_name") or "").split())
        organisation, kind, role = data.get("organisation"), data.get("new_kind"), data.get("role")
        if organisation and new_name:
            self.add_error("new_name", "Choose an organisation or name a new one, not both.")
        if new_name and not kind:
            self.add_error("new_kind", "Say what kind of organisation it is.")
        if (organisation or new_name) and not role:
            self.add_error("role", "Say what role this organisation has.")
        if role and not (organisation or new_name):
            self.add_error("organisation", "Choose the organisation, or name a new one.")
        return data


OrganisationRoleFormSet = forms.formset_factory(
    OrganisationRoleForm, extra=3, max_num=20, validate_max=True
)


class ProjectReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "List it"), ("decline", "Decline it")])
    note = forms.CharField(max_length=300, required=False)


class GovernanceForm(forms.ModelForm):
    """The project's governance fields; every change is kept in its history by the service."""

    motivations = forms.MultipleChoiceField(
        choices=Motivation.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    note = forms.CharField(
        max_length=300,
        required=False,
        help_text="Why the change (shown in the project's history), e.g. a source.",
    )

    class Meta:
        model = Project
        fields = Project.GOVERNANCE_FIELDS
        widgets = {
            "governance_reasoning": forms.Textarea(attrs={"rows": 4}),
        }

    def governance_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in Project.GOVERNANCE_FIELDS}


class MaintainerAddForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="The new maintainer's username.")

    def clean_username(self):
        from django.contrib.auth import get_user_model

        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise ValidationError("No active account has this username.")
        return user


# ARTIFACTS
# ------------------------------------------------------------------------------
class ArtifactForm(forms.ModelForm):
    licence = LicenceField()
    languages = LanguageCodesField()
    derived_from = forms.CharField(
        label="Derived from",
        required=False,
        max_length=120,
        help_text="The parent artifact's address (slug), e.g. a base model this one fine-tunes.",
    )

    class Meta:
        model = Artifact
        fields = (
            "kind",
            "name",
            "version",
            "slug",
            "url",
            "licence",
            "languages",
            "release_date",
            "derived_from",
            "derivation_relation",
            "source_url",
        )
        widgets = {"release_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"slug": "Made from the project, name and version when left empty."}

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["slug"].required = False
        self.fields["kind"].choices = ArtifactKind.choices
        self.fields["derivation_relation"].choices = [
            ("", "---------"),
            *DerivationRelation.choices,
        ]
        # model_to_dict gives foreign keys as ids; people read identifiers and slugs.
        if self.instance.pk and self.instance.derived_from_id:
            self.initial["derived_from"] = self.instance.derived_from.slug
        if self.instance.pk and self.instance.licence_id:
            self.initial["licence"] = self.instance.licence.identifier

    def clean_derived_from(self):
        slug = (self.cleaned_data.get("derived_from") or "").strip()
        if not slug:
            return None
        parent = Artifact.objects.filter(slug=slug).first()
        if parent is None:
            raise ValidationError("No artifact has this address.")
        return parent

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if not slug:
            slug = slugify(
                f"{self.project.slug} {self.data.get('name', '')} {self.data.get('version', '')}"
            )[:120]
        clash = Artifact.objects.filter(slug=slug)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("An artifact with this address already exists.")
        return slug

    def _post_clean(self):
        # The service assigns fields and runs full_clean itself; the form only validates input.
        pass

    def artifact_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "languages"}
        return data


class ComponentForm(forms.Form):
    """One MOF component of a model release."""

    component = forms.ChoiceField(choices=MOFComponent.choices, widget=forms.HiddenInput)
    released = forms.BooleanField(required=False)
    location = forms.URLField(required=False, max_length=500, assume_scheme="https")
    licence = LicenceField()


ComponentFormSet = forms.formset_factory(ComponentForm, extra=0)
