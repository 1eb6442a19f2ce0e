"""The ledger in Django's admin. A status changes only through the services (the moderation
actions here call them), so every change leaves its ModerationEvent; the events are read-only."""

from django.contrib import admin, messages

from contributions import services
from contributions.models import CONTENT_FIELDS, Contribution, Contributor, ModerationEvent
from core.admin import ReadOnlyAdminMixin


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "affiliation", "country", "is_public", "is_former")
    list_filter = ("is_public", "is_former", "is_synthetic", "country__continent")
    search_fields = ("display_name", "github", "huggingface", "orcid", "user__username")
    autocomplete_fields = ("affiliation", "country", "languages")
    # Who the record belongs to and the handles it shows are proven facts (a claim, a connected
    # account), written by the services only: a typed handle would attract someone's credit.
    readonly_fields = ("user", "github", "huggingface", "orcid", "is_former", "created_at")


class ModerationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ModerationEvent
    extra = 0
    fields = ("at", "actor", "from_status", "to_status", "note")
    readonly_fields = fields
    ordering = ("at", "id")


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "contributor", "type", "phase", "status", "created_at")
    list_filter = ("status", "type", "phase", "compensation", "source", "project")
    search_fields = ("title", "description", "contributor__display_name", "external_id")
    autocomplete_fields = ("project", "artifact", "contributor", "affiliation", "languages")
    readonly_fields = (
        "status",
        "moderated_by",
        "moderated_at",
        "source",
        "external_id",
        "created_at",
        "updated_at",
    )
    inlines = (ModerationEventInline,)
    actions = ("approve_selected",)
    date_hierarchy = "created_at"
    list_select_related = ("project", "contributor")

    def has_add_permission(self, request) -> bool:
        # Contributions are logged by their contributors (site, API) or imported.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting would erase history; entries are withdrawn, rejected or revoked instead.
        return False

    def save_model(self, request, obj, form, change):
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in CONTENT_FIELDS
        }
        services.contribution_update(contribution=obj, user=request.user, **changes)

    def save_related(self, request, form, formsets, change):
        if "languages" in form.changed_data:
            services.contribution_update(
                contribution=form.instance,
                user=request.user,
                languages=form.cleaned_data["languages"],
            )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="Approve the selected entries")
    def approve_selected(self, request, queryset):
        outcomes = services.contribution_bulk_approve(
            contribution_ids=list(queryset.values_list("pk", flat=True)),
            moderator=request.user,
            note="Approved in the admin.",
        )
        approved = sum(1 for outcome in outcomes.values() if outcome == "approved")
        self.message_user(request, f"Approved {approved} entr(ies).", messages.SUCCESS)
        for pk, outcome in outcomes.items():
            if outcome != "approved":
                self.message_user(request, f"#{pk}: {outcome}", messages.WARNING)


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "contribution", "actor", "from_status", "to_status")
    list_filter = ("to_status", "from_status")
    search_fields = ("contribution__title", "actor__username", "note")
    date_hierarchy = "at"
    list_select_related = ("contribution", "actor")
