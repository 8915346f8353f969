"""Staff of each group and a payment awaiting verification."""

import pytest

from billing.tests.factories import PlanFactory, SubscriptionFactory, issued_invoice, submitted_payment
from platform_admin.groups import ensure_staff_groups
from tenancy.tests.factories import StaffFactory


@pytest.fixture
def staff_groups(db):
    return ensure_staff_groups()


@pytest.fixture
def support(staff_groups):
    user = StaffFactory(email="support@platform.example", is_superuser=False)
    user.groups.add(staff_groups["Support"])
    return user


@pytest.fixture
def finance(staff_groups):
    user = StaffFactory(email="finance@platform.example", is_superuser=False)
    user.groups.add(staff_groups["Finance"])
    return user


@pytest.fixture
def plan(db):
    return PlanFactory(code="pro", name="Professional")


@pytest.fixture
def subscription(tenant, plan):
    return SubscriptionFactory(tenant=tenant, plan=plan)


@pytest.fixture
def open_invoice(subscription):
    return issued_invoice(subscription=subscription)


@pytest.fixture
def pending_payment(open_invoice, tenant_admin):
    return submitted_payment(invoice=open_invoice, actor=tenant_admin)


@pytest.fixture
def admin_client(client):
    """admin_client(user) -> the test client logged in as `user` on the platform host."""

    def login(user):
        client.force_login(user)
        return client

    return login
