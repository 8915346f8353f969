from importlib import import_module

from django.core.management.base import BaseCommand

from tenancy import demo as tenancy_demo


class Command(BaseCommand):
    help = "Load the demo data (staff, tenants, plans, subscriptions, teams, tasks); safe to run again."

    def handle(self, *args, **options):
        tenants = tenancy_demo.seed()
        for app in ("billing", "work"):
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(tenants=tenants)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(tenants)} tenants; every demo user's password is {tenancy_demo.DEMO_PASSWORD!r}."
        ))
