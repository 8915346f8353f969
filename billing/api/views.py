"""Billing endpoints.

Two kinds of views:

* tenant views (`TenantScopedViewSet`): a company admin's own subscriptions, payments, invoices and
  dashboard, always scoped by the request's tenant; other roles get 403, another tenant's rows 404;
* staff views (`PlatformStaffViewSet`, SUPER_ADMIN only, every tenant user gets 403): platform-wide
  lists and actions for the finance staff, on the platform host (`localhost`) across all tenants, or on
  a tenant's host limited to that tenant. `payments/{id}/verify/` and `POST invoices/` are staff
  actions at the paths DESIGN section 6 names; `staff/...` holds the rest.
"""

import django_filters
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from billing import pdf, selectors
from billing.api import serializers as s
from billing.models import Invoice, Payment, Plan, Subscription
from billing.services import invoices as invoice_services
from billing.services import payments as payment_services
from billing.services import settlement
from billing.services import subscriptions as subscription_services
from billing.services.documents import invoice_pdf_bytes
from tenancy.api.base import PlatformStaffViewSet, SelfServiceMixin, TenantModelViewSet, TenantScopedAPIView
from tenancy.api.filters import IdFilter
from tenancy.api.schema import file_responses
from tenancy.files import IMAGE_AND_PDF, attachment_response
from tenancy.permissions import ACTIVE_OR_SUSPENDED, EVERY_STATE, IsSuperAdmin, IsTenantAdmin

BINARY = OpenApiResponse(description="The file, as an attachment.")


def _pdf_response(invoice: Invoice) -> HttpResponse:
    """The archived PDF, byte for byte (see billing/services/documents.py); its SHA-256 is in the invoice's data."""
    response = HttpResponse(invoice_pdf_bytes(invoice=invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.invoice_pdf_filename(invoice)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _proof_response(payment: Payment):
    extension = payment.proof.name.rsplit(".", 1)[-1] if "." in payment.proof.name else "bin"
    return attachment_response(payment.proof, filename=f"payment-{payment.pk}-proof.{extension}",
                               content_type=payment.proof_content_type)


def _invoice_create(request) -> Response:
    data = s.InvoiceCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    tenant = fields.pop("tenant")
    invoice = invoice_services.invoice_create_and_issue(tenant=tenant, actor=request.user, **fields)
    return Response(s.InvoiceSerializer(selectors.invoice_list(tenant=tenant).get(pk=invoice.pk)).data,
                    status=status.HTTP_201_CREATED)


class PlanViewSet(SelfServiceMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The plan catalogue a company chooses from (any signed-in user, also of a company awaiting approval)."""

    tenant_read_states = EVERY_STATE

    serializer_class = s.PlanSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None
    queryset = Plan.objects.none()

    def get_queryset(self):
        return selectors.plan_list()


class BillingGateMixin:
    """A suspended company uses billing to pay and be reactivated (DESIGN section 3)."""

    tenant_read_states = tenant_write_states = ACTIVE_OR_SUSPENDED


class SubscriptionViewSet(BillingGateMixin, TenantModelViewSet):
    """The company's subscriptions (company admins): subscribe to a plan, cancel."""

    queryset = Subscription.objects.all()
    serializer_class = s.SubscriptionSerializer
    permission_classes = [IsTenantAdmin]
    filterset_fields = ["status"]

    def get_tenant_queryset(self, tenant):
        return selectors.subscription_list(tenant=tenant)

    @extend_schema(request=s.SubscriptionCreateSerializer, responses={201: s.SubscriptionSerializer})
    def create(self, request):
        data = s.SubscriptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscription_services.subscription_create(tenant=self.tenant, actor=request.user,
                                                                 plan=data.validated_data["plan"])
        return Response(s.SubscriptionSerializer(self.get_queryset().get(pk=subscription.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SubscriptionCancelSerializer, responses=s.SubscriptionSerializer,
                   description="Cancel at the end of the paid period (at once when nothing is paid ahead).")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        subscription = self.get_object()
        data = s.SubscriptionCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscription_services.subscription_cancel(
            tenant=self.tenant, actor=request.user, subscription=subscription,
            immediately=data.validated_data["immediately"])
        return Response(s.SubscriptionSerializer(self.get_queryset().get(pk=subscription.pk)).data)

    @extend_schema(request=s.SubscriptionChangePlanSerializer, responses=s.SubscriptionSerializer,
                   description="Switch plans from the next period (no proration).")
    @action(detail=True, methods=["post"], url_path="change-plan")
    def change_plan(self, request, pk=None):
        subscription = self.get_object()
        data = s.SubscriptionChangePlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscription_services.subscription_change_plan(
            tenant=self.tenant, actor=request.user, subscription=subscription, plan=data.validated_data["plan"])
        return Response(s.SubscriptionSerializer(self.get_queryset().get(pk=subscription.pk)).data)


class PaymentFilter(django_filters.FilterSet):
    invoice = IdFilter(field_name="invoice_id")

    class Meta:
        model = Payment
        fields = ["verification_status", "status"]


class PaymentViewSet(BillingGateMixin, TenantModelViewSet):
    """The company's payments (company admins): submit a proof for an open invoice, download it."""

    queryset = Payment.objects.all()
    serializer_class = s.PaymentSerializer
    permission_classes = [IsTenantAdmin]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_class = PaymentFilter

    def get_tenant_queryset(self, tenant):
        return selectors.payment_list(tenant=tenant)

    @extend_schema(request={"multipart/form-data": s.PaymentCreateSerializer}, responses={201: s.PaymentSerializer})
    def create(self, request):
        data = s.PaymentCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        payment = payment_services.payment_submit(tenant=self.tenant, actor=request.user, **data.validated_data)
        return Response(s.PaymentSerializer(self.get_queryset().get(pk=payment.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses=file_responses(sorted(IMAGE_AND_PDF), "The payment proof, as an attachment."))
    @action(detail=True, methods=["get"])
    def proof(self, request, pk=None):
        return _proof_response(self.get_object())


class InvoiceViewSet(BillingGateMixin, TenantModelViewSet):
    """The company's invoices (company admins) and their PDFs; staff create and issue invoices here."""

    queryset = Invoice.objects.all()
    serializer_class = s.InvoiceSerializer
    filterset_fields = ["status"]
    ordering_fields = ["issued_on", "due_on", "created_at"]

    permission_classes = [IsTenantAdmin]
    action_permission_classes = {"create": [IsSuperAdmin]}

    def get_tenant_queryset(self, tenant):
        return selectors.invoice_list(tenant=tenant)

    @extend_schema(request=s.InvoiceCreateSerializer, responses={201: s.InvoiceSerializer},
                   description="SUPER_ADMIN: create and issue an invoice for the tenant named in the body.")
    def create(self, request):
        return _invoice_create(request)

    @extend_schema(responses={(200, "application/pdf"): BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return _pdf_response(self.get_object())


class BillingDashboardView(TenantScopedAPIView):
    """The company's billing at a glance: current subscription, open invoices, usage, history."""

    tenant_read_states = ACTIVE_OR_SUSPENDED

    permission_classes = [IsTenantAdmin]

    @extend_schema(responses=s.DashboardSerializer)
    def get(self, request):
        return Response(s.DashboardSerializer(selectors.billing_dashboard(tenant=self.tenant)).data)


class StaffPaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformStaffViewSet):
    queryset = Payment.objects.none()
    serializer_class = s.PaymentSerializer
    filterset_fields = ["verification_status", "status", "tenant"]

    def get_platform_queryset(self):
        return selectors.payment_list_for_all_tenants()

    @extend_schema(
        request=s.PaymentDecisionSerializer, responses=s.PaymentSerializer,
        description='SUPER_ADMIN: `{"action": "verify"}` pays the invoice, activates the subscription and '
                    'reactivates a company suspended for non-payment; `{"action": "reject", "reason": "..."}` '
                    "returns the subscription to its previous status. A payment is decided once: a second "
                    "decision answers 409 `payment_already_processed`.",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        payment = self.get_object()
        data = s.PaymentDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["action"] == "verify":
            payment = payment_services.payment_verify(tenant=payment.tenant, actor=request.user, payment=payment)
        else:
            payment = payment_services.payment_reject(tenant=payment.tenant, actor=request.user, payment=payment,
                                                      reason=data.validated_data["reason"])
        return Response(s.PaymentSerializer(self.get_queryset().get(pk=payment.pk)).data)

    @extend_schema(responses=file_responses(sorted(IMAGE_AND_PDF), "The payment proof, as an attachment."))
    @action(detail=True, methods=["get"])
    def proof(self, request, pk=None):
        return _proof_response(self.get_object())


class StaffInvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformStaffViewSet):
    queryset = Invoice.objects.none()
    serializer_class = s.InvoiceSerializer
    filterset_fields = ["status", "tenant"]

    def get_platform_queryset(self):
        return selectors.invoice_list_for_all_tenants()

    @extend_schema(request=s.InvoiceCreateSerializer, responses={201: s.InvoiceSerializer})
    def create(self, request):
        return _invoice_create(request)

    @extend_schema(responses={(200, "application/pdf"): BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return _pdf_response(self.get_object())

    @extend_schema(request=s.InvoiceVoidSerializer, responses=s.InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        invoice = self.get_object()
        data = s.InvoiceVoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = invoice_services.invoice_void(tenant=invoice.tenant, actor=request.user, invoice=invoice,
                                                reason=data.validated_data["reason"])
        return Response(s.InvoiceSerializer(self.get_queryset().get(pk=invoice.pk)).data)

    @extend_schema(request=None, responses=s.InvoiceSerializer)
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        invoice = self.get_object()
        invoice = settlement.invoice_mark_paid(tenant=invoice.tenant, actor=request.user, invoice=invoice)
        return Response(s.InvoiceSerializer(self.get_queryset().get(pk=invoice.pk)).data)


class StaffSubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformStaffViewSet):
    queryset = Subscription.objects.none()
    serializer_class = s.SubscriptionSerializer
    filterset_fields = ["status", "tenant"]

    def get_platform_queryset(self):
        return selectors.subscription_list_for_all_tenants()

    @extend_schema(request=s.SubscriptionCancelSerializer, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        subscription = self.get_object()
        data = s.SubscriptionCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscription_services.subscription_cancel(
            tenant=subscription.tenant, actor=request.user, subscription=subscription,
            immediately=data.validated_data["immediately"])
        return Response(s.SubscriptionSerializer(self.get_queryset().get(pk=subscription.pk)).data)

    @extend_schema(request=s.SubscriptionExtendSerializer, responses=s.SubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        subscription = self.get_object()
        data = s.SubscriptionExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscription_services.subscription_extend(
            tenant=subscription.tenant, actor=request.user, subscription=subscription,
            days=data.validated_data["days"])
        return Response(s.SubscriptionSerializer(self.get_queryset().get(pk=subscription.pk)).data)
