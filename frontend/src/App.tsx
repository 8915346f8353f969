import type { ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { isAdmin, useAuth } from "./auth/AuthContext";
import { Layout } from "./components/Layout";
import { Loading, PageTitle } from "./components/ui";
import { config } from "./config";
import { ContinueOnCompanyHost, Rejected, WaitingForApproval } from "./screens/Approval";
import { Billing } from "./screens/Billing";
import { Board, BoardIndex } from "./screens/Board";
import { Company } from "./screens/Company";
import { Dashboard } from "./screens/Dashboard";
import { Login } from "./screens/Login";
import { Notifications } from "./screens/Notifications";
import { Profile } from "./screens/Profile";
import { AcceptInvitation, AcceptTeamInvitation, ForgotPassword, ResetPassword } from "./screens/PublicForms";
import { SignUp } from "./screens/SignUp";
import { TeamDetail, Teams } from "./screens/Teams";

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
      <Route path="/forgot-password" element={<Public><ForgotPassword /></Public>} />
      <Route path="/reset-password" element={<ResetPassword />} />
      <Route path="/accept-invitation" element={<Public><AcceptInvitation /></Public>} />
      <Route path="/teams/accept-invitation" element={<AcceptTeamInvitation />} />
      <Route path="/waiting" element={<Waiting />} />
      <Route path="/" element={config.platform ? <PlatformHome /> : <Private><Dashboard /></Private>} />
      <Route path="/board" element={<Private><BoardIndex /></Private>} />
      <Route path="/board/:teamId" element={<Private><Board /></Private>} />
      <Route path="/board/:teamId/task/:taskId" element={<Private><Board /></Private>} />
      <Route path="/teams" element={<Private><Teams /></Private>} />
      <Route path="/teams/:teamId" element={<Private><TeamDetail /></Private>} />
      <Route path="/notifications" element={<Private><Notifications /></Private>} />
      <Route path="/profile" element={<Private><Profile /></Private>} />
      <Route path="/billing" element={<Private admin><Billing /></Private>} />
      <Route path="/company" element={<Private admin><Company /></Private>} />
      <Route path="/company/:tab" element={<Private admin><Company /></Private>} />
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
