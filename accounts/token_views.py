"""The profile's API token page: list one's tokens, create one (its secret is shown once, on the
response to the POST that created it, and never stored), revoke one. Changes are POST only."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.tokens import MAX_ACTIVE_TOKENS, token_create, token_revoke, tokens_of


def _page(
    request: HttpRequest, *, plaintext: str = "", error: str = "", name: str = "", status=200
):
    return render(
        request,
        "accounts/token_list.html",
        {
            "tokens": tokens_of(request.user),
            "plaintext": plaintext,
            "error": error,
            "name": name,
            "max_tokens": MAX_ACTIVE_TOKENS,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """GET lists the tokens; POST creates one and shows its secret in this response only
    (never_cache: the page with a secret must not be kept by a browser or proxy)."""
    if request.method == "GET":
        return _page(request)
    name = request.POST.get("name", "")
    try:
        token, plaintext = token_create(user=request.user, name=name)
    except ValidationError as exc:
        return _page(
            request, error=" ".join(exc.messages), name=name, status=HTTPStatus.BAD_REQUEST
        )
    messages.success(request, f"Token “{token.name}” created. Copy it now: it is not shown again.")
    return _page(request, plaintext=plaintext, status=HTTPStatus.CREATED)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's token is not found, rather than forbidden: its existence is not theirs to know.
    token = get_object_or_404(tokens_of(request.user), pk=pk)
    token_revoke(token=token, user=request.user)
    messages.success(request, f"Token “{token.name}” revoked: programs using it are refused now.")
    return redirect("accounts:tokens:list")
