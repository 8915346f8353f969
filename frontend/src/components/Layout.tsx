import { useState, type ReactNode } from "react";
import { Link, NavLink, useNavigate } from "react-router-dom";
import { isAdmin, useAuth, useSession } from "../auth/AuthContext";
import { NotificationBell } from "./NotificationBell";

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const { signOut } = useAuth();
  const navigate = useNavigate();
  const [menuOpen, setMenuOpen] = useState(false);
  const suspended = session.tenant?.status === "SUSPENDED";
  const admin = isAdmin(session);

  const links: { to: string; label: string }[] = [
    { to: "/", label: "Dashboard" },
    { to: "/board", label: "Board" },
    { to: "/teams", label: "Teams" },
    { to: "/notifications", label: "Notifications" },
  ];
  if (admin) {
    links.push({ to: "/billing", label: "Billing" }, { to: "/company", label: "Company" });
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          {session.tenant?.name ?? session.user.tenant_name ?? "Workspace"}
        </Link>
        <button
          type="button"
          className="menu-toggle button secondary small"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" className={menuOpen ? "nav open" : "nav"}>
          <ul>
            {links.map((link) => (
              <li key={link.to}>
                <NavLink to={link.to} end={link.to === "/"} onClick={() => setMenuOpen(false)}>
                  {link.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-actions">
          <NotificationBell />
          <NavLink to="/profile" className="profile-link">
            {session.user.first_name || session.user.email}
          </NavLink>
          <button
            type="button"
            className="button secondary small"
            onClick={async () => {
              await signOut();
              navigate("/login");
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      {suspended && (
        <div className="banner banner-warning" role="alert" data-testid="suspended-banner">
          <strong>Your company is suspended: everything is read-only.</strong>{" "}
          {session.tenant?.suspension_reason ? `Reason: ${session.tenant.suspension_reason}. ` : ""}
          {admin ? (
            <>
              Pay the open invoice in <Link to="/billing">Billing</Link> (upload a payment proof) and the company is
              reactivated as soon as the payment is verified.
            </>
          ) : (
            <>Ask your company administrator to pay the open invoice in Billing to reactivate it.</>
          )}
        </div>
      )}
      <main id="main" className="content">
        {children}
      </main>
    </div>
  );
}
