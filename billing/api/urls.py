from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import views

app_name = "billing"

router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("subscriptions", views.SubscriptionViewSet, basename="subscription")
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("staff/payments", views.StaffPaymentViewSet, basename="staff-payment")
router.register("staff/invoices", views.StaffInvoiceViewSet, basename="staff-invoice")
router.register("staff/subscriptions", views.StaffSubscriptionViewSet, basename="staff-subscription")

urlpatterns = [
    # DESIGN section 6 names the staff decision under the tenant path; it is the staff view.
    path("payments/<int:pk>/verify/", views.StaffPaymentViewSet.as_view({"post": "verify"}), name="payment-verify"),
    path("billing/dashboard/", views.BillingDashboardView.as_view(), name="dashboard"),
    *router.urls,
]
