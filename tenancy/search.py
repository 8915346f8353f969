"""Search that scales: FULLTEXT indexes on MySQL/MariaDB, LIKE on SQLite (development).

`LIKE '%word%'` reads every row of the table; `MATCH ... AGAINST` reads the FULLTEXT index. Each word of
the query must appear (as a word or a word prefix: "road" finds "roadmap"), like a search box. Words
shorter than InnoDB's minimum token size (3) are not indexed: a query made only of such words falls
back to LIKE, which is correct but slow.
"""

import re

from django.db import connections, migrations
from django.db.models import Func, Lookup, Q, QuerySet, TextField

# InnoDB's default innodb_ft_min_token_size; shorter words are not in the index.
MIN_TOKEN = 3
_WORD = re.compile(r"\w+", re.UNICODE)


def fulltext_index(table: str, name: str, columns: list[str]) -> migrations.RunPython:
    """A migration operation creating a FULLTEXT index on MySQL/MariaDB and doing nothing elsewhere."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "mysql":
            with schema_editor.connection.cursor() as cursor:
                constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
            if name in constraints:
                return  # already there (a database that ran this migration under an earlier number)
            quote = schema_editor.quote_name
            schema_editor.execute(f"CREATE FULLTEXT INDEX {quote(name)} ON {quote(table)} "
                                  f"({', '.join(quote(c) for c in columns)})")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "mysql":
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)} ON {schema_editor.quote_name(table)}")

    return migrations.RunPython(forwards, backwards, atomic=False, elidable=False)


class _Columns(Func):
    template = "%(expressions)s"
    output_field = TextField()


class Match(Lookup):
    """MATCH (columns) AGAINST (query IN BOOLEAN MODE) as a WHERE condition on its own.

    A lookup, not a boolean expression: Django would compare an expression to TRUE on MySQL, which
    turns the relevance score into an equality test and keeps the optimizer off the FULLTEXT index.
    """

    lookup_name = "fulltext_match"
    prepare_rhs = False

    def __init__(self, *columns: str, query: str):
        super().__init__(_Columns(*columns), query)

    def as_sql(self, compiler, connection):
        columns_sql, params = compiler.compile(self.lhs)
        return f"MATCH ({columns_sql}) AGAINST (%s IN BOOLEAN MODE)", [*params, self.rhs]


def boolean_query(text: str) -> str:
    """`quarterly road` -> `+quarterly* +road*`: every word required, each as a prefix; '' when none is indexable."""
    words = [word for word in _WORD.findall(text) if len(word) >= MIN_TOKEN]
    return " ".join(f"+{word}*" for word in words)


def uses_fulltext(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "mysql"


def search(queryset: QuerySet, text: str, *, fulltext: list[str], like: list[str] | None = None) -> QuerySet:
    """Rows whose `fulltext` columns hold every word of `text` (FULLTEXT on MySQL, LIKE elsewhere).

    `fulltext` must be exactly the columns of one FULLTEXT index; `like` defaults to them.
    """
    text = text.strip()
    if not text:
        return queryset
    query = boolean_query(text)
    if query and uses_fulltext(queryset):
        return queryset.filter(Match(*fulltext, query=query))
    condition = Q()
    for word in text.split() or [text]:
        any_column = Q()
        for column in like or fulltext:
            any_column |= Q(**{f"{column}__icontains": word})
        condition &= any_column
    return queryset.filter(condition)
