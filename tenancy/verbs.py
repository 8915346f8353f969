"""The audit trail's vocabulary: the verbs, the channels and the system actor.

It sits below tenancy.models (ActivityLog uses the enums as choices) and tenancy.audit (which writes
the rows), so neither has to import the other's module to reach them.
"""

from django.db import models

SYSTEM_ACTOR = "system"
SYSTEM_ACTOR_LABEL = "System (billing cycle, background jobs)"


class AuditVerb(models.TextChoices):
    # companies
    TENANT_REGISTERED = "tenant.registered", "Company signed up"
    TENANT_CREATED = "tenant.created", "Company created"
    TENANT_UPDATED = "tenant.updated", "Company details changed"
    TENANT_APPROVED = "tenant.approved", "Company approved"
    TENANT_REJECTED = "tenant.rejected", "Company rejected"
    TENANT_SUSPENDED = "tenant.suspended", "Company suspended"
    TENANT_REACTIVATED = "tenant.reactivated", "Company reactivated"
    TENANT_SETTINGS_UPDATED = "tenant.settings_updated", "Company settings changed"
    DOMAIN_ADDED = "domain.added", "Domain added"
    DOMAIN_UPDATED = "domain.updated", "Domain changed"
    DOMAIN_REMOVED = "domain.removed", "Domain removed"
    DOMAIN_VERIFIED = "domain.verified", "Domain verified"
    DOMAIN_VERIFICATION_FAILED = "domain.verification_failed", "Domain verification failed"
    # people
    INVITATION_CREATED = "invitation.created", "User invited"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    MEMBER_UPDATED = "member.updated", "Member changed"
    MEMBER_REMOVED = "member.removed", "Member removed from the company"
    EXPORT_REQUESTED = "export.requested", "Data export requested"
    EXPORT_READY = "export.ready", "Data export built"
    EXPORT_FAILED = "export.failed", "Data export failed"
    USER_ACTIVATED = "user.activated", "User activated"
    USER_DEACTIVATED = "user.deactivated", "User deactivated"
    USER_PROFILE_UPDATED = "user.profile_updated", "Profile changed"
    USER_PASSWORD_CHANGED = "user.password_changed", "Password changed"
    USER_PASSWORD_RESET = "user.password_reset", "Password reset"
    USER_LOGGED_OUT_EVERYWHERE = "user.logged_out_everywhere", "Logged out on every device"
    USER_PREFERENCES_UPDATED = "user.preferences_updated", "Notification preferences changed"
    # billing
    PLAN_CREATED = "plan.created", "Plan created"
    PLAN_UPDATED = "plan.updated", "Plan changed"
    SUBSCRIPTION_CREATED = "subscription.created", "Subscription started"
    SUBSCRIPTION_CANCELLED = "subscription.cancelled", "Subscription cancelled"
    SUBSCRIPTION_EXTENDED = "subscription.extended", "Subscription extended"
    SUBSCRIPTION_PLAN_CHANGED = "subscription.plan_changed", "Subscription plan changed"
    SUBSCRIPTION_REPRICED = "subscription.repriced", "Renewal price set to the plan's current price"
    SUBSCRIPTION_RENEWED = "subscription.renewed", "Subscription renewed"
    SUBSCRIPTION_PAST_DUE = "subscription.past_due", "Subscription past due"
    SUBSCRIPTION_EXPIRED = "subscription.expired", "Subscription expired"
    SUBSCRIPTION_ENDED = "subscription.ended", "Subscription ended"
    PAYMENT_SUBMITTED = "payment.submitted", "Payment submitted"
    PAYMENT_VERIFIED = "payment.verified", "Payment verified"
    PAYMENT_REJECTED = "payment.rejected", "Payment rejected"
    INVOICE_CREATED = "invoice.created", "Invoice drafted"
    INVOICE_ISSUED = "invoice.issued", "Invoice issued"
    INVOICE_VOIDED = "invoice.voided", "Invoice voided"
    INVOICE_PAID = "invoice.paid", "Invoice marked paid"
    CREDIT_NOTE_ISSUED = "invoice.credit_note_issued", "Credit note issued"
    BANK_STATEMENT_IMPORTED = "bank_statement.imported", "Bank statement imported"
    BANK_LINE_CONFIRMED = "bank_statement.line_confirmed", "Bank transfer confirmed from the statement"
    # work
    TEAM_CREATED = "team.created", "Team created"
    TEAM_UPDATED = "team.updated", "Team changed"
    TEAM_ARCHIVED = "team.archived", "Team archived"
    TEAM_MEMBER_ADDED = "team.member_added", "Team member added"
    TEAM_MEMBER_REMOVED = "team.member_removed", "Team member removed"
    TEAM_INVITATION_CREATED = "team_invitation.created", "Invited to a team"
    TEAM_INVITATION_REVOKED = "team_invitation.revoked", "Team invitation revoked"
    TEAM_INVITATION_ACCEPTED = "team_invitation.accepted", "Team invitation accepted"
    TASK_CREATED = "task.created", "Task created"
    TASK_UPDATED = "task.updated", "Task changed"
    TASK_MOVED = "task.moved", "Task moved"
    TASK_DELETED = "task.deleted", "Task deleted"
    COMMENT_CREATED = "comment.created", "Comment added"
    COMMENT_EDITED = "comment.edited", "Comment edited"
    COMMENT_DELETED = "comment.deleted", "Comment deleted"
    ATTACHMENT_ADDED = "attachment.added", "Attachment added"
    ATTACHMENT_DELETED = "attachment.deleted", "Attachment deleted"


class AuditChannel(models.TextChoices):
    API = "api", "API"
    ADMIN = "admin", "Control panel"
    JOB = "job", "Background job"
