from django.core.management.base import BaseCommand

from billing.models import RevenueMonth
from billing.services.revenue import revenue_rebuild


class Command(BaseCommand):
    help = ("Recompute the monthly revenue rows (billing.RevenueMonth) from the paid invoices, in one "
            "transaction: after invoices were written around the services (restores, bulk loads, bench data).")

    def handle(self, *args, **options):
        count = revenue_rebuild()
        months = RevenueMonth.objects.order_by("currency", "month")
        for row in months:
            self.stdout.write(f"{row.month:%Y-%m} {row.currency} {row.total} ({row.invoice_count} invoices)",
                              style_func=None)
        self.stdout.write(f"Revenue rebuilt: {count} month row{'s' if count != 1 else ''}.")
