"""The header's global search (unfold's command palette, Ctrl+K): companies, users, invoices, payments."""

from django.db.models import Q
from django.urls import reverse
from unfold.dataclasses import SearchResult

from billing.models import Invoice, Payment
from tenancy.models import Tenant, User

PER_GROUP = 8


def global_search(request, term: str) -> list[SearchResult]:
    """Return matches grouped by kind (companies first), only of the kinds the staff member may view."""
    term = term.strip()
    if len(term) < 2:
        return []
    user = request.user
    results: list[SearchResult] = []
    if user.has_perm("tenancy.view_tenant"):
        companies = (Tenant.objects.filter(Q(name__icontains=term) | Q(slug__icontains=term)
                                           | Q(domains__host__icontains=term))
                     .distinct().order_by("name")[:PER_GROUP])
        results += [SearchResult(title=t.name, description=f"Company · {t.slug} · {t.get_status_display()}",
                                 link=reverse("admin:tenancy_tenant_change", args=[t.pk]), icon="apartment")
                    for t in companies]
    if user.has_perm("tenancy.view_user"):
        users = User.objects.filter(email__icontains=term).select_related("tenant").order_by("email")[:PER_GROUP]
        results += [SearchResult(title=u.email, description=f"User · {u.tenant.name if u.tenant else 'platform staff'}",
                                 link=reverse("admin:tenancy_user_change", args=[u.pk]), icon="person")
                    for u in users]
    if user.has_perm("billing.view_invoice"):
        invoices = Invoice.objects.filter(number__icontains=term).select_related("tenant").order_by("-id")[:PER_GROUP]
        results += [SearchResult(title=str(i), description=f"Invoice · {i.tenant.name} · {i.get_status_display()}",
                                 link=reverse("admin:billing_invoice_change", args=[i.pk]), icon="receipt_long")
                    for i in invoices]
    if user.has_perm("billing.view_payment"):
        payments = (Payment.objects.filter(reference__icontains=term).select_related("tenant")
                    .order_by("-id")[:PER_GROUP])
        results += [SearchResult(title=p.reference, description=f"Payment · {p.tenant.name} · {p.amount} {p.currency}",
                                 link=reverse("admin:billing_payment_change", args=[p.pk]), icon="payments")
                    for p in payments]
    return results
