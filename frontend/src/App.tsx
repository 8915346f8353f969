import type { ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { isAdmin, useAuth } from "./auth/AuthContext";
import { Layout } from "./components/Layout";
import { Loading, PageTitle } from "./components/ui";
import { config } from "./config";
import { ContinueOnCompanyHost, Rejected, WaitingForApproval } from "./screens/Approval";
import { Dashboard } from "./screens/Dashboard";
import { Login } from "./screens/Login";
import { SignUp } from "./screens/SignUp";

/** Signed-in routes: the company's state decides what can be shown (PENDING waits, REJECTED explains). */
function Private({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { status, session } = useAuth();
  const location = useLocation();
  if (status === "loading") return <Loading label="Opening your workspace…" />;
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  const tenantStatus = session.tenant?.status;
  if (tenantStatus === "PENDING") return <Navigate to="/waiting" replace />;
  if (tenantStatus === "REJECTED") return <Rejected />;
  if (config.platform && session.tenant) return <ContinueOnCompanyHost />;
  if (admin && !isAdmin(session)) return <Layout><Forbidden /></Layout>;
  return <Layout>{children}</Layout>;
}

function Waiting() {
  const { status, session } = useAuth();
  if (status === "loading") return <Loading />;
  if (!session) return <Navigate to="/login" replace />;
  if (session.tenant?.status !== "PENDING") return <Navigate to="/" replace />;
  return <WaitingForApproval />;
}

function Public({ children }: { children: ReactNode }) {
  const { status, session } = useAuth();
  if (status === "loading") return <Loading />;
  if (session) return <Navigate to="/" replace />;
  return <>{children}</>;
}

function Forbidden() {
  return (
    <div className="stack" data-testid="forbidden">
      <PageTitle>Not available for your role</PageTitle>
      <p>This screen is for company administrators. Ask one of them if you need something here.</p>
    </div>
  );
}

function NotFound() {
  return (
    <div className="stack">
      <PageTitle>Page not found</PageTitle>
      <p>There is nothing at this address.</p>
    </div>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<Public><Login /></Public>} />
      <Route path="/signup" element={<Public><SignUp /></Public>} />
      <Route path="/waiting" element={<Waiting />} />
      <Route path="/" element={config.platform ? <PlatformHome /> : <Private><Dashboard /></Private>} />
      <Route path="*" element={<Private><NotFound /></Private>} />
    </Routes>
  );
}

/** The platform host carries no company: it offers the sign-up and follows a signed-up company. */
function PlatformHome() {
  const { status, session } = useAuth();
  if (status === "loading") return <Loading />;
  if (!session) return <Navigate to="/signup" replace />;
  return <Private><Dashboard /></Private>;
}
