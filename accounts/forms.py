"""Account forms: sign-up, rate-limited sign-in, the contributor profile, deleting an account."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from accounts import ratelimit
from projects.forms import LanguageCodesField
from projects.models import Country, Organisation


class SignUpForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. Shown on moderation history.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(
        help_text="Used for decisions on your contributions and password resets; never shown.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError("This username is taken.")
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        return data


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing attempts once an account or an address has failed too
    often (accounts.ratelimit); a refused attempt does not even check the password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "rate_limited": (
            "Too many failed sign-in attempts. Wait %(minutes)s minutes, or reset your password."
        ),
    }

    def _address(self) -> str:
        return self.request.META.get("REMOTE_ADDR", "") if self.request else ""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = self._address()
        if ratelimit.is_limited(username=username, address=address):
            self.rate_limited = True
            raise ValidationError(
                self.error_messages["rate_limited"],
                code="rate_limited",
                params={"minutes": ratelimit.window_minutes()},
            )
        try:
            cleaned = super().clean()
        except ValidationError as exc:
            if any(e.code == "invalid_login" for e in exc.error_list):
                ratelimit.record_failure(username=username, address=address)
            raise
        ratelimit.reset_account(username=username)
        return cleaned


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=150, help_text="How your credit is shown.")
    affiliation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text="Recorded with each new contribution, so that a project's statistics show how "
        "many organisations carry its work (the Elephant Factor: the fewest organisations "
        "that together did half of it).",
    )
    country = forms.ModelChoiceField(queryset=Country.objects.order_by("name"), required=False)
    languages = LanguageCodesField(label="Languages you work in")
    orcid = forms.CharField(
        label="ORCID iD",
        max_length=19,
        required=False,
        help_text="Like 0000-0002-1825-0097.",
        # The same pattern as the model's check constraint, so the error lands on the field.
        validators=[
            RegexValidator(
                r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$",
                "Give the iD as 0000-0000-0000-0000.",
            )
        ],
    )
    github = forms.CharField(label="GitHub handle", max_length=39, required=False)
    huggingface = forms.CharField(label="Hugging Face handle", max_length=96, required=False)
    is_public = forms.BooleanField(
        label="Public profile",
        required=False,
        help_text="Unticked: your approved work is credited by name only, with no profile page.",
    )

    PROFILE_FIELDS = (
        "display_name",
        "affiliation",
        "country",
        "orcid",
        "github",
        "huggingface",
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

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("This is not your password.")
        return password
