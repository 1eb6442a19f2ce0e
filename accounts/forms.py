"""Account forms: the contributor profile, deleting an account. Sign-up, sign-in, e-mail and
password forms are allauth's (accounts.adapter holds this site's hooks into them)."""

from allauth.account.forms import LoginForm, SignupForm
from django import forms
from django.core.exceptions import ValidationError

from projects.forms import LanguageCodesField
from projects.models import Country, Organisation


class SignInForm(LoginForm):
    """allauth's sign-in form (ACCOUNT_FORMS), its fields named in this site's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail address"
        self.fields["login"].widget.attrs.update(placeholder="", autocomplete="username")
        if "password" in self.fields:
            # The page links "Forgot your password?" once, below the form.
            self.fields["password"].help_text = ""
            self.fields["password"].widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class SignUpForm(SignupForm):
    """allauth's sign-up form (ACCOUNT_FORMS), with the help this site gives."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "username"
        ].help_text = "Letters, digits and @ . + - _ only. Shown on moderation history."
        self.fields["email"].label = "E-mail address"
        self.fields["email"].help_text = (
            "We send a link to confirm it. Used for decisions on your contributions and password "
            "resets; never shown."
        )
        self.fields["password2"].label = "Password again"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class ProfileForm(forms.Form):
    """What a person says about themselves. GitHub, Hugging Face and ORCID are not here: they are
    facts copied from connected accounts (accounts.identity), since a typed handle proves
    nothing and must never attract credit."""

    display_name = forms.CharField(max_length=150, help_text="How your credit is shown.")
    affiliation = forms.ModelChoiceField(
        queryset=Organisation.objects.listed().order_by("name"),
        required=False,
        help_text="Recorded with each new contribution, so that a project's statistics show how "
        "many organisations carry its work (the Elephant Factor: the fewest organisations "
        "that together did half of it).",
    )
    country = forms.ModelChoiceField(queryset=Country.objects.order_by("name"), required=False)
    languages = LanguageCodesField(label="Languages you work in")
    is_public = forms.BooleanField(
        label="Public profile",
        required=False,
        help_text="Unticked: your approved work is credited by name only, with no profile page.",
    )

    PROFILE_FIELDS = (
        "display_name",
        "affiliation",
        "country",
        "is_public",
    )

    @classmethod
    def initial_for(cls, contributor) -> dict:
        initial = {name: getattr(contributor, name) for name in cls.PROFILE_FIELDS}
        initial["languages"] = list(contributor.languages.all())
        return initial

    def profile_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Your password, to confirm it is you.",
    )
    confirm = forms.BooleanField(
        label="I understand: my personal data is removed and my credited work stays, shown as "
        "by a former contributor."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            # Signed in only through GitHub, Hugging Face or ORCID: there is no password to ask.
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("This is not your password.")
        return password
