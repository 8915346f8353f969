"""Teams and tasks: read-only for support, filterable by company."""

from django.contrib import admin
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import AutocompleteSelectFilter

from platform_admin.admin.base import PlatformModelAdmin, ReadOnlyMixin
from work.models import Task, Team, TeamMember


class TeamMemberInline(ReadOnlyMixin, TabularInline):
    model = TeamMember
    extra = 0
    fields = ["user", "role", "joined_at"]
    readonly_fields = fields


@admin.register(Team)
class TeamAdmin(ReadOnlyMixin, PlatformModelAdmin):
    list_display = ["name", "company", "is_archived", "created_at"]
    list_filter = [("tenant", AutocompleteSelectFilter), "is_archived"]
    list_select_related = ["tenant"]
    search_fields = ["name", "tenant__name"]
    ordering = ["tenant__name", "name"]
    inlines = [TeamMemberInline]


@admin.register(Task)
class TaskAdmin(ReadOnlyMixin, PlatformModelAdmin):
    list_display = ["title", "company", "team", "status", "priority", "assignee", "due_on", "created_at"]
    list_filter = [("tenant", AutocompleteSelectFilter), "status", "priority"]
    list_select_related = ["tenant", "team", "assignee"]
    search_fields = ["title", "team__name", "tenant__name"]
    ordering = ["-created_at", "-id"]
