"""Teams and tasks: read-only for support, filterable by company."""

from django.contrib import admin
from unfold.admin import TabularInline

from platform_admin.admin.base import CompanyFilter, PlatformModelAdmin, ReadOnlyMixin
from platform_admin.scale import IndexedSearchMixin, PrefetchListMixin
from work.models import Task, Team, TeamMember


class TeamMemberInline(ReadOnlyMixin, TabularInline):
    model = TeamMember
    extra = 0
    fields = ["user", "role", "joined_at"]
    readonly_fields = fields


@admin.register(Team)
class TeamAdmin(ReadOnlyMixin, PlatformModelAdmin):
    list_display = ["name", "company", "is_archived", "created_at"]
    list_filter = [("tenant", CompanyFilter), "is_archived"]
    list_select_related = ["tenant"]
    search_fields = ["name", "tenant__name"]
    ordering = ["tenant__name", "name"]
    inlines = [TeamMemberInline]


@admin.register(Task)
class TaskAdmin(PrefetchListMixin, IndexedSearchMixin, ReadOnlyMixin, PlatformModelAdmin):
    list_display = ["title", "company", "team", "status", "priority", "assignee", "due_on", "created_at"]
    list_filter = [("tenant", CompanyFilter), "status", "priority"]
    list_prefetch = ["tenant", "team", "assignee"]
    # Words of the title or description through the FULLTEXT index; the company is a filter.
    search_fields = ["title", "description"]
    fulltext_search = ["title", "description"]
    # Indexed: (created_at) unfiltered, (tenant, status, created_at) and (tenant, created_at) when filtered.
    ordering = ["-created_at", "-id"]
