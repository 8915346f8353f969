import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router-dom";
import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { ErrorBox, fieldError, Loading, Notice, PageTitle, TextField } from "../components/ui";

export function ForgotPassword() {
  const [email, setEmail] = useState("");
  const send = useMutation({ mutationFn: () => unwrap(api.POST("/api/auth/password-reset/", { body: { email } })) });
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={(e: FormEvent) => { e.preventDefault(); send.mutate(); }}>
        <PageTitle>Reset your password</PageTitle>
        {send.isSuccess ? (
          <Notice kind="success">If an account uses this address, we have sent it a link to choose a new password.</Notice>
        ) : (
          <>
            <p className="muted">We will e-mail you a link to choose a new password.</p>
            <TextField label="E-mail" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" />
            {send.error ? <ErrorBox error={send.error} /> : null}
            <button type="submit" className="button primary" disabled={send.isPending || !email}>Send the link</button>
          </>
        )}
        <p className="links"><Link to="/login">Back to sign in</Link></p>
      </form>
    </div>
  );
}

export function ResetPassword() {
  const [params] = useSearchParams();
  const [form, setForm] = useState({ new_password1: "", new_password2: "" });
  const confirm = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/auth/password-reset/confirm/", {
        body: { ...form, uid: params.get("uid") ?? "", token: params.get("token") ?? "" },
      })),
  });
  const linkBroken = confirm.error && (fieldError(confirm.error, "token") || fieldError(confirm.error, "uid"));
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={(e: FormEvent) => { e.preventDefault(); confirm.mutate(); }}>
        <PageTitle>Choose a new password</PageTitle>
        {confirm.isSuccess ? (
          <>
            <Notice kind="success">Your password has been changed, and every device signed out. Sign in with the new one.</Notice>
            <Link className="button primary" to="/login">Sign in</Link>
          </>
        ) : (
          <>
            <TextField label="New password" type="password" autoComplete="new-password" value={form.new_password1}
              onChange={(e) => setForm({ ...form, new_password1: e.target.value })} error={fieldError(confirm.error, "new_password1")} />
            <TextField label="New password again" type="password" autoComplete="new-password" value={form.new_password2}
              onChange={(e) => setForm({ ...form, new_password2: e.target.value })} error={fieldError(confirm.error, "new_password2")} />
            {linkBroken ? (
              <Notice kind="warning">This link is no longer valid. <Link to="/forgot-password">Ask for a new one</Link>.</Notice>
            ) : confirm.error ? (
              <ErrorBox error={confirm.error} />
            ) : null}
            <button type="submit" className="button primary" disabled={confirm.isPending}>Set the new password</button>
          </>
        )}
      </form>
    </div>
  );
}

/** A company invitation: choose a password, become a user of the company, and sign in. */
export function AcceptInvitation() {
  const [params] = useSearchParams();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [form, setForm] = useState({ first_name: "", last_name: "", password: "" });
  const accept = useMutation({
    mutationFn: async () => {
      const user = await unwrap(api.POST("/api/tenants/invitations/accept/", { body: { ...form, token: params.get("token") ?? "" } }));
      await signIn(user.email, form.password);
    },
    onSuccess: () => navigate("/", { replace: true }),
  });
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={(e: FormEvent) => { e.preventDefault(); accept.mutate(); }}>
        <PageTitle>Join your company</PageTitle>
        <p className="muted">You have been invited. Choose your name and a password to finish.</p>
        <div className="grid two">
          <TextField label="First name" value={form.first_name} onChange={(e) => setForm({ ...form, first_name: e.target.value })} autoComplete="given-name" />
          <TextField label="Last name" value={form.last_name} onChange={(e) => setForm({ ...form, last_name: e.target.value })} autoComplete="family-name" />
        </div>
        <TextField label="Password" type="password" autoComplete="new-password" required value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })} error={fieldError(accept.error, "password")} hint="At least 10 characters." />
        {accept.error ? <ErrorBox error={accept.error} /> : null}
        <button type="submit" className="button primary" disabled={accept.isPending || !form.password}>
          {accept.isPending ? "Joining…" : "Join"}
        </button>
      </form>
    </div>
  );
}

/** A team invitation: the invitee signs in (or is signed in), then joins the team. */
export function AcceptTeamInvitation() {
  const [params] = useSearchParams();
  const { status, session } = useAuth();
  const accept = useMutation({
    mutationFn: () => unwrap(api.POST("/api/teams/invitations/accept/", { body: { token: params.get("token") ?? "" } })),
  });
  if (status === "loading") return <Loading />;
  if (!session) return <Navigate to="/login" replace state={{ from: `/teams/accept-invitation?${params.toString()}` }} />;
  return (
    <div className="auth-page">
      <section className="card auth-card">
        <PageTitle>Join a team</PageTitle>
        {accept.isSuccess ? (
          <>
            <Notice kind="success">You have joined the team.</Notice>
            <Link className="button primary" to="/teams">See your teams</Link>
          </>
        ) : (
          <>
            <p>You are signed in as {session.user.email}. Accept the invitation to join the team.</p>
            {accept.error ? <ErrorBox error={accept.error} /> : null}
            <button type="button" className="button primary" onClick={() => accept.mutate()} disabled={accept.isPending}>
              Accept the invitation
            </button>
          </>
        )}
      </section>
    </div>
  );
}
