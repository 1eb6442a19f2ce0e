from django import forms

from repositories.models import RepositorySource


class RepositorySourceForm(forms.Form):
    """What a maintainer gives to add a repository. Validation lives in the service (which the
    API shares); this form only carries the fields."""

    url = forms.CharField(
        label="Repository",
        max_length=500,
        help_text="The https:// address, e.g. https://github.com/owner/name or "
        "https://huggingface.co/datasets/owner/name.",
    )
    branch = forms.CharField(
        label="Branch",
        max_length=200,
        required=False,
        help_text=RepositorySource._meta.get_field("branch").help_text,
    )
    path_filter = forms.CharField(
        label="Path filter",
        max_length=300,
        required=False,
        help_text=RepositorySource._meta.get_field("path_filter").help_text,
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Why is this entry wrongly attributed?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
