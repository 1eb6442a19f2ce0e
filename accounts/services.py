"""Writes to accounts. Deleting an account lives with the ledger (contributions.services.
account_delete), because what it must keep true is the ledger's history."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction


@transaction.atomic
def account_sign_up(*, username: str, email: str, password: str):
    """Create an active account. Validates like the form does (the password validators include
    the common-password check), so any other caller gets the same rules."""
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    user = User(username=username.strip(), email=email)
    errors: dict[str, list[str]] = {}
    if not email:
        errors["email"] = ["Give an email address: it is how you reset your password."]
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["An account with this email address already exists."]
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    return user
