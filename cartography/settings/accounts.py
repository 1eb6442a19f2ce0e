"""Sign-in settings (django-allauth), imported by base.py.

Password accounts verify their e-mail address before they can sign in; GitHub, Hugging Face and
ORCID sign-in are offered only for the providers whose client id and secret are in the
environment (none set: password accounts only, which works offline). Providers are configured
here, never by database rows: a deployment's sign-in options are read in one place.
https://docs.allauth.org/en/latest/account/configuration.html
https://docs.allauth.org/en/latest/socialaccount/configuration.html
"""

import environ

__all__ = [
    "ACCOUNT_ADAPTER",
    "ACCOUNT_EMAIL_SUBJECT_PREFIX",
    "ACCOUNT_EMAIL_VERIFICATION",
    "ACCOUNT_FORMS",
    "ACCOUNT_LOGIN_METHODS",
    "ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION",
    "ACCOUNT_LOGOUT_REDIRECT_URL",
    "ACCOUNT_RATE_LIMITS",
    "ACCOUNT_SIGNUP_FIELDS",
    "ACCOUNT_UNIQUE_EMAIL",
    "AUTHENTICATION_BACKENDS",
    "SOCIALACCOUNT_ADAPTER",
    "SOCIALACCOUNT_EMAIL_VERIFICATION",
    "SOCIALACCOUNT_PROVIDERS",
    "SOCIALACCOUNT_QUERY_EMAIL",
    "SOCIALACCOUNT_STORE_TOKENS",
]

env = environ.Env()

AUTHENTICATION_BACKENDS = [
    # The admin's own sign-in form and force_login use Django's backend; the site's sign-in
    # (username or e-mail address) goes through allauth's.
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# ACCOUNTS: username and password, with a verified e-mail address
# ------------------------------------------------------------------------------
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.SignInForm", "signup": "accounts.forms.SignUpForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# A password sign-up cannot sign in until its address is confirmed: credit claimed by e-mail
# address (see contributions.identities) must never follow an address nobody proved.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Following the link signs in, but only in the browser session that signed up (allauth keeps the
# pending sign-in there), so a leaked link opens nothing.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Open LLM Cartography] "
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins are limited by accounts.ratelimit (per account and per address, answered
    # with 429 and audited); allauth's own counter would be a second, different rule.
    "login_failed": None,
    # Each reset request mails a person: 3 an hour per address asked for, 10 per client.
    "reset_password": "10/h/ip,3/h/key",
}

# THIRD-PARTY ACCOUNTS: GitHub, Hugging Face (OpenID Connect), ORCID
# ------------------------------------------------------------------------------
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
# GitHub's addresses come with their verified flag; only verified ones ever claim credit.
SOCIALACCOUNT_QUERY_EMAIL = True
# The provider proved the identity; an address it did not verify gets a confirmation mail but
# does not block the sign-in (ORCID often shares no address at all).
SOCIALACCOUNT_EMAIL_VERIFICATION = "optional"
# Sign-in needs no API access afterwards: access tokens are not kept.
SOCIALACCOUNT_STORE_TOKENS = False


def _app(prefix: str, **extra) -> list[dict]:
    """One app from PREFIX_CLIENT_ID and PREFIX_CLIENT_SECRET, or none when the id is unset."""
    client_id = env(f"{prefix}_CLIENT_ID", default="")
    if not client_id:
        return []
    return [{"client_id": client_id, "secret": env(f"{prefix}_CLIENT_SECRET", default=""), **extra}]


SOCIALACCOUNT_PROVIDERS = {
    "github": {
        "APPS": _app("GITHUB"),
        "SCOPE": ["read:user", "user:email"],
    },
    # Hugging Face signs in with OpenID Connect (its callback: oidc/huggingface/login/callback/).
    "openid_connect": {
        "APPS": _app(
            "HUGGINGFACE",
            provider_id="huggingface",
            name="Hugging Face",
            settings={
                "server_url": env("HUGGINGFACE_SERVER_URL", default="https://huggingface.co"),
                "scope": ["openid", "profile", "email"],
            },
        ),
    },
    "orcid": {
        "APPS": _app("ORCID"),
        # sandbox.orcid.org for a test registration; the public API reads the record.
        "BASE_DOMAIN": env("ORCID_BASE_DOMAIN", default="orcid.org"),
        "MEMBER_API": False,
    },
}
