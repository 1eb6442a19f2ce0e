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

    # Shown only once a credit list was found to name another project (`show_project_mismatch`);
    # the hidden name makes the tick confirm that name, not whatever file comes next.
    confirm_project_mismatch = forms.BooleanField(required=False, widget=forms.HiddenInput)
    confirmed_file_project = forms.CharField(
        required=False, max_length=300, widget=forms.HiddenInput
    )

    def show_project_mismatch(self, project_name: str, file_project: str) -> None:
        """Offer the confirmation box for a list naming `file_project` instead of the project."""
        field = self.fields["confirm_project_mismatch"]
        field.widget = forms.CheckboxInput()
        field.label = f"This list belongs to {project_name} even though it names {file_project}"
        self.data = self.data.copy()
        self.data["confirmed_file_project"] = file_project
        self.data.pop("confirm_project_mismatch", None)
        self._bound_fields_cache.clear()  # bound fields read label and widget when first made

    def confirmed_name(self) -> str:
        """The file's project name the importer confirmed, "" if the box was not ticked."""
        if self.cleaned_data.get("confirm_project_mismatch"):
            return self.cleaned_data.get("confirmed_file_project", "")
        return ""

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
