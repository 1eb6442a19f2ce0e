"""Account pages of this site: the profile (with the identities connected to it), deleting
one's account, and allauth's sign-in view with this site's sign-in limits.

Sign-up, sign-out, e-mail addresses, passwords and connected accounts are allauth's own views
(included at accounts/ by cartography/urls.py), in this site's templates (templates/account/,
templates/socialaccount/).
"""

from http import HTTPStatus

from allauth.account.views import LoginView
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.adapter import RATE_LIMITED
from accounts.forms import AccountDeleteForm, ProfileForm
from contributions.services import account_delete, contributor_for_user, contributor_update_profile
from core.forms import add_service_errors


class SignInView(LoginView):
    """allauth's sign-in, answering 429 when the sign-in limits refused the attempt
    (accounts.adapter.AccountAdapter.pre_authenticate), so clients and the audit log see it."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code=RATE_LIMITED):
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response


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
