"""How billing periods are printed (invoice lines and PDFs share one convention)."""

import datetime


def period_label(start: datetime.date, end: datetime.date) -> str:
    """The one way a period is printed: both days inclusive, "27 Nov 2026 <en dash> 26 Dec 2026"."""
    last_day = end - datetime.timedelta(days=1)
    return f"{start.day} {start:%b %Y} \N{EN DASH} {last_day.day} {last_day:%b %Y}"
