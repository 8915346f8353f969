import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { ROLE_LABELS, useAuth, useSession } from "../auth/AuthContext";
import { TRANSPORT_HEADER } from "../auth/session";
import { ErrorBox, fieldError, Notice, PageTitle, TextField } from "../components/ui";

export function Profile() {
  const session = useSession();
  const { reload, adoptTokens } = useAuth();
  const [names, setNames] = useState({ first_name: session.user.first_name ?? "", last_name: session.user.last_name ?? "" });
  const saveNames = useMutation({
    mutationFn: () => unwrap(api.PATCH("/api/auth/profile/", { body: names })),
    onSuccess: () => reload(),
  });
  const [passwords, setPasswords] = useState({ old_password: "", new_password1: "", new_password2: "" });
  const changePassword = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/auth/change-password/", { body: passwords, headers: { [TRANSPORT_HEADER]: "cookie" } })),
    onSuccess: (data) => {
      // Every other session was revoked; this tab keeps going with the new pair (the refresh token is in the cookie).
      adoptTokens((data as { access: string }).access);
      setPasswords({ old_password: "", new_password1: "", new_password2: "" });
    },
  });
  return (
    <div className="stack">
      <PageTitle>Your profile</PageTitle>
      <section className="card stack" aria-labelledby="me">
        <h2 id="me">{session.user.email}</h2>
        <p className="muted">
          {ROLE_LABELS[session.user.role]} at {session.user.tenant_name}
        </p>
        <form className="stack" onSubmit={(e: FormEvent) => { e.preventDefault(); saveNames.mutate(); }}>
          <div className="grid two">
            <TextField label="First name" value={names.first_name} onChange={(e) => setNames({ ...names, first_name: e.target.value })} />
            <TextField label="Last name" value={names.last_name} onChange={(e) => setNames({ ...names, last_name: e.target.value })} />
          </div>
          {saveNames.error ? <ErrorBox error={saveNames.error} /> : null}
          {saveNames.isSuccess && <Notice kind="success">Saved.</Notice>}
          <div><button type="submit" className="button primary" disabled={saveNames.isPending}>Save</button></div>
        </form>
      </section>
      <section className="card stack" aria-labelledby="pw">
        <h2 id="pw">Change password</h2>
        <p className="muted">Changing it signs you out on every other device.</p>
        <form className="stack" onSubmit={(e: FormEvent) => { e.preventDefault(); changePassword.mutate(); }}>
          <TextField label="Current password" type="password" autoComplete="current-password" value={passwords.old_password}
            onChange={(e) => setPasswords({ ...passwords, old_password: e.target.value })} error={fieldError(changePassword.error, "old_password")} />
          <TextField label="New password" type="password" autoComplete="new-password" value={passwords.new_password1}
            onChange={(e) => setPasswords({ ...passwords, new_password1: e.target.value })} error={fieldError(changePassword.error, "new_password1")} />
          <TextField label="New password again" type="password" autoComplete="new-password" value={passwords.new_password2}
            onChange={(e) => setPasswords({ ...passwords, new_password2: e.target.value })} error={fieldError(changePassword.error, "new_password2")} />
          {changePassword.error ? <ErrorBox error={changePassword.error} /> : null}
          {changePassword.isSuccess && <Notice kind="success">Password changed. Your other devices have been signed out.</Notice>}
          <div><button type="submit" className="button primary" disabled={changePassword.isPending}>Change password</button></div>
        </form>
      </section>
    </div>
  );
}
