import { useEffect } from "react";
import { useAuth, useSession } from "../auth/AuthContext";
import { PageTitle } from "../components/ui";
import { config, tenantPortalUrl } from "../config";

const POLL_MS = 5000;

/** Shown while the company is PENDING: it asks again every few seconds and moves on once approved. */
export function WaitingForApproval() {
  const session = useSession();
  const { reload, signOut } = useAuth();
  useEffect(() => {
    const timer = window.setInterval(() => {
      reload().catch(() => undefined);
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [reload]);
  return (
    <div className="auth-page">
      <section className="card auth-card" data-testid="waiting">
        <PageTitle>Waiting for approval</PageTitle>
        <p>
          Thank you for signing up <strong>{session.tenant?.name}</strong>. The platform team checks every new company
          before it can be used; you will get an e-mail when it is done.
        </p>
        <p role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" /> This page updates itself as soon as your company is approved.
        </p>
        <button type="button" className="button secondary" onClick={() => signOut()}>
          Sign out
        </button>
      </section>
    </div>
  );
}

export function Rejected() {
  const session = useSession();
  const { signOut } = useAuth();
  return (
    <div className="auth-page">
      <section className="card auth-card" data-testid="rejected">
        <PageTitle>Your sign-up was not approved</PageTitle>
        {session.tenant?.rejection_reason && <p>Reason given: {session.tenant.rejection_reason}</p>}
        <p>
          If you think this is a mistake, or you can provide what was missing, reply to the e-mail you received or
          write to the platform's support team. You can also sign up again with corrected details.
        </p>
        <button type="button" className="button secondary" onClick={() => signOut()}>
          Sign out
        </button>
      </section>
    </div>
  );
}

/** On the platform host, an approved company continues on its own address. */
export function ContinueOnCompanyHost() {
  const session = useSession();
  const slug = session.tenant?.slug ?? "";
  const url = tenantPortalUrl(slug, "/app/login");
  return (
    <div className="auth-page">
      <section className="card auth-card" data-testid="approved">
        <PageTitle>Your company is approved</PageTitle>
        <p>
          {session.tenant?.name} works at its own address: <a href={url}>{`${slug}.${config.baseDomain}`}</a>. Sign in
          there to start.
        </p>
      </section>
    </div>
  );
}
