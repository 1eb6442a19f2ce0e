"""The admin for accounts. Deleting an account goes through the ledger's service (personal data
removed, credited work kept), never a row delete."""

from allauth.socialaccount.admin import SocialApp
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import ApiToken, User
from accounts.tokens import token_revoke
from contributions.services import account_delete


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_active", "is_staff", "is_former", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_former")
    readonly_fields = ("is_former", "last_login", "date_joined")
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Deletion", {"fields": ("is_former",)}))
    actions = ("delete_accounts",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Delete the selected accounts (keep their credited work)")
    def delete_accounts(self, request, queryset):
        count = 0
        for user in queryset.filter(is_former=False):
            account_delete(user=user)
            count += 1
        self.message_user(request, f"Deleted {count} account(s).", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners (accounts/tokens/); staff see them and can revoke one,
    e.g. a leaked token. The digest is never editable."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke_tokens",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke_tokens(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            # Staff act for the owner here: the service only lets an owner revoke.
            token_revoke(token=token, user=token.user)
        self.message_user(request, "Revoked.", messages.SUCCESS)


# Sign-in apps come from the environment (settings/accounts.py); rows here would be ignored.
admin.site.unregister(SocialApp)
