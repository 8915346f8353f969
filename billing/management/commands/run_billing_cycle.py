import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.services.cycle import billing_cycle_run


def _date(value) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}")


class Command(BaseCommand):
    help = "Run the daily billing cycle (renewal invoices, past due, expiry, cancellations, reminders)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD); default: today.")

    def handle(self, *args, **options):
        on = _date(options["date"]) if options.get("date") else timezone.localdate()
        totals = billing_cycle_run(on=on)
        summary = ", ".join(f"{key}={count}" for key, count in sorted(totals.items())) or "nothing to do"
        self.stdout.write(f"Billing cycle for {on.isoformat()}: {summary}")
