"""Change lists at a million rows: related rows by primary key, search that reads indexes."""

from django.db.models import Q

from tenancy.search import Match, boolean_query, search, uses_fulltext


class IndexedSearchMixin:
    """Search `fulltext_search` (the columns of one FULLTEXT index) and `prefix_search` (B-tree columns, `q%`).

    With FULLTEXT alone the index drives the plan; prefixes are ORed in (fine for the small tables that
    use them). `search_fields` still decides whether the search box shows.
    """

    fulltext_search: list[str] = []
    prefix_search: list[str] = []

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term or not (self.fulltext_search or self.prefix_search):
            return super().get_search_results(request, queryset, search_term)
        if not self.prefix_search:
            return search(queryset, term, fulltext=self.fulltext_search), False
        condition = Q()
        for field in self.prefix_search:
            condition |= Q(**{f"{field}__istartswith": term})
        if self.fulltext_search:
            query = boolean_query(term)
            if query and uses_fulltext(queryset):
                condition |= Q(Match(*self.fulltext_search, query=query))
            else:
                condition |= Q(pk__in=search(self.model.objects.all(), term, fulltext=self.fulltext_search)
                               .values("pk"))
        return queryset.filter(condition), any("__" in field for field in self.prefix_search)


class PrefetchListMixin:
    """Show `list_prefetch` relations of the page's rows, fetched by primary key instead of JOINed.

    With joins, MariaDB may start the plan from a small table (companies, teams) and sort the big one
    whole (`Using temporary; Using filesort`, the 1M bench); alone, the big table is read along the
    index of the list's order and stops after one page. Exports prefetch the same relations per chunk.
    """

    list_prefetch: list[str] = []
    list_select_related = ()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(*self.list_prefetch)
