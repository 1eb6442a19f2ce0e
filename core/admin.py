"""Bases for the admin classes of every app."""


class ReadOnlyAdminMixin:
    """Append-only history: visible to staff, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
