/** Short names for the generated schema's components. */
import type { components } from "./schema";

type S = components["schemas"];
export type Profile = S["Profile"];
export type Tenant = S["Tenant"];
export type Role = S["RoleEnum"];
export type Member = S["Member"];
export type Invitation = S["Invitation"];
export type Team = S["Team"];
export type TeamMember = S["TeamMember"];
export type TeamInvitation = S["TeamInvitation"];
export type Task = S["Task"];
export type TaskStatus = S["TaskStatusEnum"];
export type TaskPriority = S["TaskPriorityEnum"];
export type Board = S["Board"];
export type Comment = S["Comment"];
export type Attachment = S["Attachment"];
export type TaskActivity = S["TaskActivity"];
export type Notification = S["Notification"];
export type NotificationPreference = S["NotificationPreference"];
export type BillingDashboard = S["Dashboard"];
export type Plan = S["Plan"];
export type Subscription = S["Subscription"];
export type Invoice = S["Invoice"];
export type Payment = S["Payment"];
export type TenantSettings = S["TenantSettings"];
export type ActivityLog = S["ActivityLog"];
/** One page of notifications with the caller's unread count. */
export type NotificationPage = S["PaginatedNotificationList"];
