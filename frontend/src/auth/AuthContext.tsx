import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, rows, unwrap } from "../api/client";
import type { Profile, Role, Tenant } from "../api/types";
import { cookieHeaders, onSessionChange, refreshAccessToken, setAccessToken, TRANSPORT_HEADER } from "./session";
import { ApiError } from "../errors";

export interface Session {
  user: Profile;
  tenant: Tenant | null;
}

interface AuthState {
  status: "loading" | "anonymous" | "signed-in";
  session: Session | null;
  signIn: (email: string, password: string) => Promise<Session>;
  signOut: () => Promise<void>;
  reload: () => Promise<Session | null>;
  /** Keep the session after a password change: the server revoked every other token and sent new ones. */
  adoptTokens: (access: string) => void;
}

const AuthContext = createContext<AuthState | null>(null);

async function loadSession(): Promise<Session> {
  const user = await unwrap(api.GET("/api/auth/profile/"));
  let tenant: Tenant | null = null;
  if (user.tenant) {
    tenant = rows(await unwrap(api.GET("/api/tenants/", {}))).find((t) => t.id === user.tenant) ?? null;
  }
  return { user, tenant };
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<AuthState["status"]>("loading");
  const [session, setSession] = useState<Session | null>(null);

  const reload = useCallback(async () => {
    try {
      const next = await loadSession();
      setSession(next);
      setStatus("signed-in");
      return next;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setSession(null);
        setStatus("anonymous");
        return null;
      }
      throw error;
    }
  }, []);

  useEffect(() => {
    // A reload keeps the session: the refresh cookie buys a new access token silently.
    let cancelled = false;
    (async () => {
      const token = await refreshAccessToken();
      if (cancelled) return;
      if (!token) {
        setStatus("anonymous");
        return;
      }
      try {
        await reload();
      } catch {
        setStatus("anonymous");
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [reload]);

  useEffect(
    () =>
      onSessionChange((token) => {
        if (token === null) {
          // The refresh token was refused (expired, revoked by a password change elsewhere, logout).
          setSession(null);
          setStatus("anonymous");
          queryClient.clear();
        }
      }),
    [queryClient],
  );

  const signIn = useCallback(
    async (email: string, password: string) => {
      const { data, error, response } = await api.POST("/api/auth/login/", {
        body: { email, password },
        headers: { [TRANSPORT_HEADER]: "cookie" },
      });
      if (!response.ok || !data) throw new ApiError(response.status, error as never);
      // The login answer carries the access token (the refresh token went into the httpOnly cookie).
      setAccessToken((data as unknown as { access: string }).access);
      queryClient.clear();
      const next = await reload();
      if (!next) throw new ApiError(401, null);
      return next;
    },
    [queryClient, reload],
  );

  const signOut = useCallback(async () => {
    try {
      await fetch("/api/auth/logout/", {
        method: "POST",
        credentials: "same-origin",
        headers: cookieHeaders(),
        body: "{}",
      });
    } finally {
      setAccessToken(null);
      queryClient.clear();
    }
  }, [queryClient]);

  const adoptTokens = useCallback((access: string) => setAccessToken(access), []);

  const value = useMemo(
    () => ({ status, session, signIn, signOut, reload, adoptTokens }),
    [status, session, signIn, signOut, reload, adoptTokens],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

/** The signed-in session (only inside routes that require one). */
export function useSession(): Session {
  const { session } = useAuth();
  if (!session) throw new Error("no session");
  return session;
}

export const ROLE_LABELS: Record<Role, string> = {
  SUPER_ADMIN: "Platform staff",
  TENANT_ADMIN: "Company administrator",
  MANAGER: "Manager",
  MEMBER: "Member",
};

export function isAdmin(session: Session | null): boolean {
  return session?.user.role === "TENANT_ADMIN";
}

export function canManage(session: Session | null): boolean {
  return session?.user.role === "TENANT_ADMIN" || session?.user.role === "MANAGER";
}
