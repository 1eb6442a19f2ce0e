from django.contrib import admin

from repositories.models import RepositorySource, RepositorySync


class RepositorySyncInline(admin.TabularInline):
    model = RepositorySync
    extra = 0
    can_delete = False
    fields = ("status", "commits_done", "commits_total", "force_push", "message", "finished_at")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RepositorySource)
class RepositorySourceAdmin(admin.ModelAdmin):
    """Read-only here: sources are added and removed through the services (web, API, command),
    which validate the URL; the admin shows them and their syncs."""

    list_display = ("label", "project", "host", "kind", "last_synced_at")
    list_filter = ("host", "kind")
    search_fields = ("url", "project__name")
    readonly_fields = (
        "project",
        "url",
        "branch",
        "path_filter",
        "host",
        "kind",
        "added_by",
        "resolved_branch",
        "last_seen_commit",
        "last_synced_at",
    )
    inlines = [RepositorySyncInline]

    def has_add_permission(self, request):
        return False
