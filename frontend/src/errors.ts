/** The API's error shape and the human message for each machine-readable `code`. */
export interface ApiErrorBody {
  code?: string;
  detail?: string;
  fields?: Record<string, unknown>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly fields: Record<string, unknown>;

  constructor(status: number, body: ApiErrorBody | null | undefined) {
    const code = body?.code ?? (status === 0 ? "network_error" : `http_${status}`);
    super(humanMessage(code, body?.detail));
    this.status = status;
    this.code = code;
    this.detail = body?.detail ?? "";
    this.fields = body?.fields ?? {};
  }

  /** The first message the API gave for one form field, if any. */
  fieldMessage(name: string): string | undefined {
    const value = this.fields[name];
    if (typeof value === "string") return value;
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
    return undefined;
  }
}

const MESSAGES: Record<string, string> = {
  network_error: "We could not reach the server. Check your connection and try again.",
  server_error: "Something went wrong on our side. Please try again in a moment.",
  service_unavailable: "The service is briefly unavailable. Please try again in a minute.",
  conflict_retry: "Someone else changed this at the same moment. Please try again.",
  conflict: "This was changed by someone else. Reload and try again.",
  not_found: "We could not find this. It may have been deleted, or you may not have access to it.",
  permission_denied: "Your role does not allow this. Ask a company administrator.",
  not_authenticated: "Please sign in again.",
  authentication_failed: "Please sign in again.",
  token_not_valid: "Your session has ended. Please sign in again.",
  token_revoked: "Your session was ended (for example after a password change). Please sign in again.",
  token_tenant_mismatch: "This sign-in belongs to another company. Please sign in here.",
  throttled: "Too many attempts. Please wait a little and try again.",
  invalid_credentials: "The e-mail or password is not right.",
  account_locked: "Too many failed sign-ins: the account is locked for a while. Try again later or reset your password.",
  user_inactive: "This account has been deactivated. Ask your company administrator.",
  tenant_not_approved: "Your company is waiting for approval by the platform team.",
  tenant_suspended: "Your company is suspended and read-only. Renew the subscription in Billing to make changes.",
  plan_limit_reached: "Your plan's limit is reached. A TENANT_ADMIN can upgrade the plan in Billing.",
  subdomain_taken: "This subdomain is already taken. Try another one.",
  subdomain_reserved: "This subdomain is reserved. Try another one.",
  subdomain_invalid: "Use 3–63 lower-case letters, digits and hyphens (no hyphen at either end).",
  email_taken: "An account with this e-mail already exists.",
  password_too_weak: "Choose a longer, less common password.",
  password_too_short: "This password is too short: use at least 10 characters.",
  password_too_common: "This password is too common.",
  password_entirely_numeric: "The password cannot be only digits.",
  password_too_similar: "The password is too similar to your other details.",
  invitation_invalid: "This invitation link is not valid.",
  invitation_expired: "This invitation has expired. Ask for a new one.",
  invitation_used: "This invitation has already been used. Sign in instead.",
  invitation_revoked: "This invitation was withdrawn. Ask for a new one.",
  invitation_pending: "An invitation for this e-mail is already waiting.",
  already_member: "This person is already a member.",
  not_member: "This person is not a member of the company.",
  not_team_member: "You are not a member of this team.",
  not_team_manager: "Only the team's managers can do this.",
  assignee_not_member: "The assignee must be a member of the task's team.",
  last_tenant_admin: "The company needs at least one administrator.",
  last_team_manager: "The team needs at least one manager.",
  team_name_taken: "A team with this name already exists.",
  team_archived: "This team is archived.",
  invalid_position: "The task cannot be placed there.",
  invalid_transition: "This change is not possible in the current state.",
  file_too_large: "The file is too large.",
  file_type_not_allowed: "This type of file is not accepted.",
  file_empty: "The file is empty.",
  file_required: "Choose a file first.",
  invoice_not_open: "This invoice is not open for payment.",
  payment_pending: "A payment for this invoice is already waiting for verification.",
  subscription_exists: "The company already has a current subscription: change its plan instead.",
  already_cancelled: "The subscription is already cancelled.",
  plan_unavailable: "This plan cannot be chosen.",
  role_not_allowed: "This role cannot be given here.",
  not_comment_author: "Only the author can change this comment.",
  not_attachment_uploader: "Only the uploader can delete this file.",
  invalid_timezone: "Unknown time zone.",
  required: "This field is required.",
  blank: "This field is required.",
  invalid: "Some of what you entered is not valid.",
};

/** Turn an API error code into a sentence for people; fall back to the API's own detail. */
export function humanMessage(code: string, detail?: string): string {
  if (MESSAGES[code]) return MESSAGES[code];
  if (detail) return detail;
  if (code.startsWith("http_5")) return MESSAGES.server_error;
  return "Something went wrong. Please try again.";
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong. Please try again.";
}
