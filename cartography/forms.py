"""Forms of the site pages: the importer upload."""

from django import forms

from cartography.models import ImportRun
from cartography.services import LIMIT_KIND
from core.limits import InputRefused, check_size


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is the file?",
        choices=ImportRun.Kind.choices,
        widget=forms.RadioSelect,
        initial=ImportRun.Kind.ALL_CONTRIBUTORS,
    )
    file = forms.FileField(
        label="File",
        help_text="An .all-contributorsrc file (JSON), or a model or dataset card (README.md "
        "with YAML front matter; name it org__name.md, or it is matched by the card's title).",
    )
    source_url = forms.URLField(
        label="Where it comes from (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The public address of the file, shown as the source of what it records.",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        try:
            check_size(upload.size, LIMIT_KIND.get(cleaned.get("kind"), "credit_list"))
        except InputRefused as refused:
            self.add_error("file", refused.message)
            return cleaned
        data = upload.read()
        try:
            cleaned["text"] = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error("file", "The file is not UTF-8 text. Save it as UTF-8 and try again.")
        return cleaned
