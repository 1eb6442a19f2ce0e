"""The registry in Django's admin, for staff curating reference data and reviewing proposals.

Writes with history go through the services: governance fields (kept in GovernanceChange),
proposal review, maintainers. The history itself is read-only.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from core.admin import ReadOnlyAdminMixin
from projects import services
from projects.choices import ListingStatus
from projects.models import (
    Artifact,
    Country,
    GovernanceChange,
    Language,
    Licence,
    Maintainership,
    Organisation,
    Project,
    ProjectOrganisation,
)
from projects.models.openness import ArtifactComponent


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "continent", "numeric")
    list_filter = ("continent",)
    search_fields = ("code", "name")


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "resource_level")
    list_filter = ("resource_level",)
    search_fields = ("code", "name")


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ("identifier", "name", "kind", "osi_approved", "restricts_use", "is_spdx")
    list_filter = ("kind", "osi_approved", "fsf_libre", "restricts_use", "is_spdx", "deprecated")
    search_fields = ("identifier", "name")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "country")
    list_filter = ("kind", "country__continent")
    search_fields = ("name", "slug")
    autocomplete_fields = ("country",)
    prepopulated_fields = {"slug": ("name",)}


class ProjectOrganisationInline(admin.TabularInline):
    model = ProjectOrganisation
    extra = 0
    autocomplete_fields = ("organisation",)


class MaintainershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Shown here; added and removed on the Maintainerships page (through the services)."""

    model = Maintainership
    extra = 0
    fields = ("user", "added_by", "created_at")
    readonly_fields = fields


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "governance_model",
        "governance_confirmed",
        "listing_status",
        "in_study",
        "updated_at",
    )
    list_filter = ("listing_status", "governance_model", "governance_confirmed", "in_study")
    search_fields = ("name", "slug", "summary")
    readonly_fields = ("listing_status", "proposed_by", "created_at", "updated_at")
    autocomplete_fields = ("countries", "languages")
    inlines = (ProjectOrganisationInline, MaintainershipInline)
    actions = ("list_proposals", "decline_proposals")

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Governance fields change through the service so each change is kept in the history.
        original = Project.objects.get(pk=obj.pk)
        governance = {
            name: getattr(obj, name)
            for name in form.changed_data
            if name in Project.GOVERNANCE_FIELDS
        }
        for name in governance:
            setattr(obj, name, getattr(original, name))
        super().save_model(request, obj, form, change)
        if governance:
            services.project_update_governance(
                project=obj, editor=request.user, changes=governance, note="Changed in the admin."
            )

    def _review(self, request, queryset, *, approve: bool):
        done = 0
        for project in queryset.filter(listing_status=ListingStatus.PENDING):
            try:
                services.project_review(project=project, reviewer=request.user, approve=approve)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{project}: {exc}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"Reviewed {done} proposal(s).", messages.SUCCESS)

    @admin.action(description="List the selected proposals")
    def list_proposals(self, request, queryset):
        self._review(request, queryset, approve=True)

    @admin.action(description="Decline the selected proposals")
    def decline_proposals(self, request, queryset):
        self._review(request, queryset, approve=False)


@admin.register(Maintainership)
class MaintainershipAdmin(admin.ModelAdmin):
    list_display = ("project", "user", "added_by", "created_at")
    list_filter = ("project",)
    search_fields = ("project__name", "user__username")
    autocomplete_fields = ("project", "user")
    fields = ("project", "user")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = services.maintainer_add(
            project=obj.project, user=obj.user, added_by=request.user
        ).pk

    def delete_model(self, request, obj):
        services.maintainer_remove(project=obj.project, user=obj.user, removed_by=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("project", "user"):
            try:
                self.delete_model(request, membership)
            except ValidationError as exc:
                self.message_user(request, f"{membership}: {exc.messages[0]}", messages.ERROR)


@admin.register(GovernanceChange)
class GovernanceChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("changed_at", "project", "field", "changed_by", "note")
    list_filter = ("field", "project")
    search_fields = ("project__name", "field", "old_value", "new_value", "note")
    date_hierarchy = "changed_at"


class ArtifactComponentInline(admin.TabularInline):
    model = ArtifactComponent
    extra = 0
    autocomplete_fields = ("licence",)


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "project", "kind", "licence", "derived_from")
    list_filter = ("kind", "source", "project__governance_model")
    search_fields = ("name", "slug", "version", "project__name")
    autocomplete_fields = ("project", "licence", "languages", "derived_from")
    inlines = (ArtifactComponentInline,)


@admin.register(ArtifactComponent)
class ArtifactComponentAdmin(admin.ModelAdmin):
    list_display = ("artifact", "component", "released", "licence")
    list_filter = ("component", "released", "source")
    search_fields = ("artifact__name", "artifact__slug")
    autocomplete_fields = ("artifact", "licence")
