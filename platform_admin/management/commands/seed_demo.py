from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from billing import demo as billing_demo
from platform_admin.groups import ensure_staff_groups
from tenancy import demo as tenancy_demo
from work import demo as work_demo


class Command(BaseCommand):
    help = "Load the demo data (staff, tenants, plans, subscriptions, teams, tasks); safe to run again."

    def handle(self, *args, **options):
        # The demo's own notifications stay in-app: nobody should get e-mails about made-up work.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            tenants = tenancy_demo.seed(staff_groups=ensure_staff_groups())
            billing_demo.seed(tenants=tenants)
            work_demo.seed(tenants=tenants)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready ({len(tenants)} demo companies); "
            f"every demo user's password is {tenancy_demo.DEMO_PASSWORD!r}."
        ))
