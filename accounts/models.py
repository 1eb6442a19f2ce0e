"""The user account. A custom model from day one, as Django recommends, so it can grow safely."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in. Their public identity lives in `contributions.Contributor`.

    Deleting an account scrubs it instead of removing the row (see
    `contributions.services.account_delete`): moderation events and credited contributions keep
    pointing at a "former contributor", so a project's history and statistics stay true.
    """

    is_former = models.BooleanField(
        "former account",
        default=False,
        help_text="Set when the person deleted their account; personal data has been removed.",
    )

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(is_former=True, is_active=True),
                name="user_former_is_inactive",
                violation_error_message="A deleted (former) account cannot be active.",
            ),
        ]


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored, so a copy of the
    database gives no one a working token; the short prefix is kept to tell tokens apart."""

    user = models.ForeignKey(
        "accounts.User",
        verbose_name="user",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        "name", max_length=100, help_text="What the token is for, e.g. 'lab dashboard'."
    )
    prefix = models.CharField(
        "prefix", max_length=12, help_text="The token's first characters, shown to recognise it."
    )
    digest = models.CharField(
        "digest", max_length=64, unique=True, help_text="SHA-256 of the token, hex encoded."
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    last_used_at = models.DateTimeField("last used", null=True, blank=True)
    revoked_at = models.DateTimeField(
        "revoked", null=True, blank=True, help_text="A revoked token authenticates nobody."
    )

    class Meta:
        verbose_name = "API token"
        verbose_name_plural = "API tokens"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="api_token_name_set"),
            models.CheckConstraint(
                condition=models.Q(digest__regex=r"^[0-9a-f]{64}$"), name="api_token_digest_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
