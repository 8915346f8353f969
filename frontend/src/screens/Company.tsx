import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { NavLink, useParams } from "react-router-dom";
import { api, rows, unwrap } from "../api/client";
import type { Member, TenantSettings } from "../api/types";
import { ROLE_LABELS, useAuth, useSession } from "../auth/AuthContext";
import { ErrorBox, formatDate, formatDateTime, Notice, PageTitle, personName, QueryState, SelectField, TextArea, TextField } from "../components/ui";

const TABS = [
  { to: "settings", label: "Settings" },
  { to: "members", label: "Members and roles" },
  { to: "invitations", label: "Invitations" },
  { to: "activity", label: "Activity log" },
];

export function Company() {
  const { tab = "settings" } = useParams();
  return (
    <div className="stack">
      <PageTitle>Company</PageTitle>
      <nav className="tabs" aria-label="Company sections">
        {TABS.map((t) => (
          <NavLink key={t.to} to={`/company/${t.to}`} className={({ isActive }) => (isActive || (t.to === "settings" && tab === "settings") ? "active" : "")}>
            {t.label}
          </NavLink>
        ))}
      </nav>
      {tab === "members" ? <Members /> : tab === "invitations" ? <Invitations /> : tab === "activity" ? <Activity /> : <Settings />}
    </div>
  );
}

function Settings() {
  const session = useSession();
  const { reload } = useAuth();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ["company", "settings"], queryFn: () => unwrap(api.GET("/api/tenants/settings/")) });
  const tenant = session.tenant;
  const [company, setCompany] = useState({
    name: tenant?.name ?? "",
    contact_name: tenant?.contact_name ?? "",
    contact_email: tenant?.contact_email ?? "",
    contact_phone: tenant?.contact_phone ?? "",
  });
  const saveCompany = useMutation({
    mutationFn: () => unwrap(api.PATCH("/api/tenants/{id}/", { params: { path: { id: tenant!.id } }, body: company })),
    onSuccess: () => reload(),
  });
  return (
    <div className="stack">
      <form className="card stack" aria-labelledby="company-details" onSubmit={(e: FormEvent) => { e.preventDefault(); saveCompany.mutate(); }}>
        <h2 id="company-details">Company details</h2>
        <div className="grid two">
          <TextField label="Company name" value={company.name} onChange={(e) => setCompany({ ...company, name: e.target.value })} />
          <TextField label="Contact name" value={company.contact_name} onChange={(e) => setCompany({ ...company, contact_name: e.target.value })} />
          <TextField label="Contact e-mail" type="email" value={company.contact_email} onChange={(e) => setCompany({ ...company, contact_email: e.target.value })} />
          <TextField label="Contact phone" value={company.contact_phone} onChange={(e) => setCompany({ ...company, contact_phone: e.target.value })} />
        </div>
        {saveCompany.error ? <ErrorBox error={saveCompany.error} /> : null}
        {saveCompany.isSuccess && <Notice kind="success">Saved.</Notice>}
        <div><button type="submit" className="button primary" disabled={saveCompany.isPending}>Save details</button></div>
      </form>
      <QueryState query={settings}>
        {(data) => <SettingsForm initial={data} onSaved={() => queryClient.invalidateQueries({ queryKey: ["company", "settings"] })} />}
      </QueryState>
    </div>
  );
}

function SettingsForm({ initial, onSaved }: { initial: TenantSettings; onSaved: () => void }) {
  const [form, setForm] = useState({
    legal_name: initial.legal_name ?? "",
    billing_email: initial.billing_email ?? "",
    billing_address: initial.billing_address ?? "",
    tax_id: initial.tax_id ?? "",
    timezone: initial.timezone ?? "UTC",
  });
  const save = useMutation({ mutationFn: () => unwrap(api.PATCH("/api/tenants/settings/", { body: form })), onSuccess: onSaved });
  return (
    <form className="card stack" aria-labelledby="billing-details" onSubmit={(e: FormEvent) => { e.preventDefault(); save.mutate(); }}>
      <h2 id="billing-details">Invoicing details and time zone</h2>
      <div className="grid two">
        <TextField label="Legal name (on invoices)" value={form.legal_name} onChange={(e) => setForm({ ...form, legal_name: e.target.value })} />
        <TextField label="Billing e-mail" type="email" value={form.billing_email} onChange={(e) => setForm({ ...form, billing_email: e.target.value })} />
        <TextField label="Tax id" value={form.tax_id} onChange={(e) => setForm({ ...form, tax_id: e.target.value })} />
        <TextField label="Time zone" value={form.timezone} onChange={(e) => setForm({ ...form, timezone: e.target.value })} />
      </div>
      <TextArea label="Billing address" value={form.billing_address} onChange={(e) => setForm({ ...form, billing_address: e.target.value })} />
      {save.error ? <ErrorBox error={save.error} /> : null}
      {save.isSuccess && <Notice kind="success">Saved.</Notice>}
      <div><button type="submit" className="button primary" disabled={save.isPending}>Save settings</button></div>
    </form>
  );
}

function Members() {
  const session = useSession();
  const queryClient = useQueryClient();
  const members = useQuery({
    queryKey: ["members", "admin"],
    queryFn: () => unwrap(api.GET("/api/tenants/members/", { params: { query: { page_size: 100 } as never } })),
  });
  const update = useMutation({
    mutationFn: ({ member, change }: { member: Member; change: { role?: Member["role"]; is_active?: boolean } }) =>
      unwrap(api.PATCH("/api/tenants/members/{id}/", { params: { path: { id: member.id } }, body: change as never })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["members"] }),
  });
  return (
    <section className="card stack" aria-labelledby="members-title">
      <h2 id="members-title">Members and roles</h2>
      {update.error ? <ErrorBox error={update.error} /> : null}
      <QueryState query={members} isEmpty={(d) => rows(d).length === 0} empty="No members.">
        {(data) => (
          <div className="table-wrap">
            <table data-testid="members">
              <thead>
                <tr><th scope="col" className="hide-phone">Name</th><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col" className="hide-phone">Last sign-in</th></tr>
              </thead>
              <tbody>
                {rows(data).map((m) => (
                  <tr key={m.id}>
                    <td className="hide-phone">{personName(m)}</td>
                    <td>{m.email}</td>
                    <td>
                      {m.id === session.user.id ? (
                        ROLE_LABELS[m.role]
                      ) : (
                        <select aria-label={`Role of ${m.email}`} value={m.role}
                          onChange={(e) => update.mutate({ member: m, change: { role: e.target.value as Member["role"] } })}>
                          <option value="TENANT_ADMIN">{ROLE_LABELS.TENANT_ADMIN}</option>
                          <option value="MANAGER">{ROLE_LABELS.MANAGER}</option>
                          <option value="MEMBER">{ROLE_LABELS.MEMBER}</option>
                        </select>
                      )}
                    </td>
                    <td>
                      {m.id === session.user.id ? (
                        "You"
                      ) : (
                        <button type="button" className="button secondary small"
                          onClick={() => update.mutate({ member: m, change: { is_active: !m.is_active } })}>
                          {m.is_active ? "Deactivate" : "Reactivate"} <span className="sr-only">{m.email}</span>
                        </button>
                      )}
                    </td>
                    <td className="hide-phone">{formatDateTime(m.last_login)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}

function Invitations() {
  const queryClient = useQueryClient();
  const key = ["company", "invitations"];
  const invitations = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/api/tenants/invitations/", { params: { query: { page_size: 100 } as never } })),
  });
  const [form, setForm] = useState({ email: "", role: "MEMBER" });
  const invite = useMutation({
    mutationFn: () => unwrap(api.POST("/api/tenants/invitations/", { body: { email: form.email, role: form.role as "MEMBER" } })),
    onSuccess: () => {
      setForm({ email: "", role: "MEMBER" });
      queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE("/api/tenants/invitations/{id}/", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  return (
    <section className="card stack" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite people</h2>
      <form className="grid three" onSubmit={(e: FormEvent) => { e.preventDefault(); invite.mutate(); }}>
        <TextField label="E-mail" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        <SelectField label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
          <option value="MEMBER">{ROLE_LABELS.MEMBER}</option>
          <option value="MANAGER">{ROLE_LABELS.MANAGER}</option>
          <option value="TENANT_ADMIN">{ROLE_LABELS.TENANT_ADMIN}</option>
        </SelectField>
        <div><button type="submit" className="button primary" disabled={!form.email || invite.isPending}>Send invitation</button></div>
      </form>
      {invite.error ? <ErrorBox error={invite.error} /> : null}
      {invite.isSuccess && <Notice kind="success">Invitation sent.</Notice>}
      <QueryState query={invitations} isEmpty={(d) => rows(d).length === 0} empty="No invitations yet.">
        {(data) => (
          <ul className="list" data-testid="invitations">
            {rows(data).map((i) => (
              <li key={i.id} className="row spread">
                <span>
                  {i.email} · {ROLE_LABELS[i.role]} ·{" "}
                  {i.accepted_at ? `accepted ${formatDate(i.accepted_at)}` : i.revoked_at ? "withdrawn" : i.is_pending ? `waiting, expires ${formatDate(i.expires_at)}` : "expired"}
                </span>
                {i.is_pending && (
                  <button type="button" className="button secondary small" onClick={() => revoke.mutate(i.id)}>
                    Withdraw <span className="sr-only">the invitation of {i.email}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {revoke.error ? <ErrorBox error={revoke.error} /> : null}
    </section>
  );
}

function Activity() {
  // Keyset pages (an empty cursor asks for them): stable while new rows arrive; follow next/previous.
  const [query, setQuery] = useState<Record<string, string>>({ cursor: "", page_size: "25" });
  const log = useQuery({
    queryKey: ["activity", "log", query],
    queryFn: () => unwrap(api.GET("/api/activity/", { params: { query: query as never } })),
  });
  const data = log.data as { next?: string | null; previous?: string | null } | undefined;
  const follow = (link: string | null | undefined) => {
    if (link) setQuery(Object.fromEntries(new URL(link, window.location.href).searchParams));
  };
  return (
    <section className="card stack" aria-labelledby="activity-title">
      <h2 id="activity-title">Activity log</h2>
      <QueryState query={log} isEmpty={(d) => rows(d).length === 0} empty="Nothing has happened yet.">
        {(d) => (
          <div className="table-wrap">
            <table data-testid="activity">
              <thead>
                <tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col" className="hide-phone">From</th></tr>
              </thead>
              <tbody>
                {rows(d).map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatDateTime(entry.created_at)}</td>
                    <td>{entry.actor.display}</td>
                    <td>{entry.verb_label}{entry.object.repr ? `: ${entry.object.repr}` : ""}</td>
                    <td className="hide-phone">{entry.ip_address ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <div className="row">
        <button type="button" className="button secondary small" disabled={!data?.previous} onClick={() => follow(data?.previous)}>Newer</button>
        <button type="button" className="button secondary small" disabled={!data?.next} onClick={() => follow(data?.next)}>Older</button>
      </div>
    </section>
  );
}
