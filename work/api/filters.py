import django_filters

from tenancy.api.filters import IdFilter
from tenancy.search import search as text_search
from work.models import Task, TaskPriority, TaskStatus, TeamInvitation


class TaskFilter(django_filters.FilterSet):
    team = IdFilter(field_name="team_id")
    # No DISTINCT (the default): the filter joins nothing, and DISTINCT over whole rows costs a temporary table.
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=TaskPriority.choices, distinct=False)
    assignee = IdFilter(field_name="assignee_id")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = Task
        fields = ["team", "status", "priority", "assignee", "unassigned", "due_after", "due_before", "search"]

    def filter_search(self, queryset, name, value):
        return text_search(queryset, value, fulltext=["title", "description"])


class TeamInvitationFilter(django_filters.FilterSet):
    # An id, not a choice among every tenant's teams: another company's team id must look like any unknown id.
    team = IdFilter(field_name="team_id")

    class Meta:
        model = TeamInvitation
        fields = ["team"]
