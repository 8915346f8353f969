"""A paginator that never COUNTs a whole huge table to draw a change list."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# The count stops here: beyond it, MySQL's table statistics (unfiltered lists) or "more than this many".
COUNT_CAP = 10_000


def _estimated_rows(queryset) -> int | None:
    connection = connections[queryset.db]
    if connection.vendor != "mysql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


class LargeTablePaginator(Paginator):
    """Count at most COUNT_CAP + 1 rows (a LIMITed subquery); above that, estimate from table statistics.

    Below the cap the count is exact. Above it an unfiltered list on MySQL shows the table's estimated
    size; otherwise the list shows COUNT_CAP + 1 results and its pages reach that far (filter to go further).
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return super().count
        bounded = queryset.order_by().values("pk")[:COUNT_CAP + 1].count()
        if bounded <= COUNT_CAP:
            return bounded
        if not queryset.query.where:
            estimate = _estimated_rows(queryset)
            if estimate is not None and estimate > bounded:
                return estimate
        return bounded
