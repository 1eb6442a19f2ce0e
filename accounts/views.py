"""Account pages: sign up, sign in (rate limited), the profile, deleting one's account.

Sign-out, password change and password reset are Django's own views, wired in accounts/urls.py
with this site's templates.
"""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import ratelimit
from accounts.forms import AccountDeleteForm, ProfileForm, RateLimitedAuthenticationForm, SignUpForm
from accounts.services import account_sign_up
from contributions.services import account_delete, contributor_for_user, contributor_update_profile
from core.forms import add_service_errors


class SignInView(LoginView):
    form_class = RateLimitedAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "rate_limited", False):
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response


class ThrottledPasswordResetView(PasswordResetView):
    """Password reset, limited per account and per address: each request sends a mail."""

    def form_valid(self, form):
        allowed = ratelimit.reset_request_allowed(
            email=form.cleaned_data["email"], address=self.request.META.get("REMOTE_ADDR", "")
        )
        if not allowed:
            form.add_error(
                None,
                "Too many password reset requests for this address or account. "
                "Wait an hour, then try again.",
            )
            response = self.form_invalid(form)
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
            return response
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_sign_up(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "password" in exc.error_dict:
                exc.error_dict["password1"] = exc.error_dict.pop("password")
            add_service_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}. Your account is ready.")
            return redirect("accounts:profile")
    return render(request, "accounts/user_signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    contributor = contributor_for_user(user=request.user)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(contributor))
    if request.method == "POST" and form.is_valid():
        try:
            contributor_update_profile(
                contributor=contributor,
                languages=form.cleaned_data["languages"],
                **form.profile_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/user_profile.html", {"form": form, "contributor": contributor})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        # The service reads type(user).objects: give it the concrete user, not the lazy proxy.
        account_delete(user=get_user_model().objects.get(pk=request.user.pk))
        logout(request)
        messages.success(
            request,
            "Your account is deleted and your personal data removed. Your credited work stays, "
            "shown as by a former contributor.",
        )
        return redirect("home")
    return render(request, "accounts/user_delete.html", {"form": form})
