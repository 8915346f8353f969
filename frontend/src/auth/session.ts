/**
 * The session: the access token lives only in this module's memory; the refresh token lives in an
 * httpOnly, SameSite=Strict cookie that scripts cannot read (see frontend/README.md).
 *
 * Every auth call asks for the cookie transport with `X-Refresh-Transport: cookie`; the calls that
 * use the cookie (refresh, logout) also send Django's CSRF token (double submit).
 */
export const TRANSPORT_HEADER = "X-Refresh-Transport";

let accessToken: string | null = null;
let refreshing: Promise<string | null> | null = null;
const listeners = new Set<(token: string | null) => void>();

export function getAccessToken(): string | null {
  return accessToken;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
  listeners.forEach((listener) => listener(token));
}

export function onSessionChange(listener: (token: string | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function csrfToken(cookies: string = document.cookie): string {
  for (const part of cookies.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(rest.join("="));
  }
  return "";
}

export function cookieHeaders(): Record<string, string> {
  return { [TRANSPORT_HEADER]: "cookie", "X-CSRFToken": csrfToken(), "Content-Type": "application/json" };
}

/** Trade the refresh cookie for a new access token (one request at a time); null when there is no session. */
export function refreshAccessToken(): Promise<string | null> {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const response = await fetch("/api/auth/token/refresh/", {
          method: "POST",
          credentials: "same-origin",
          headers: cookieHeaders(),
          body: "{}",
        });
        if (!response.ok) {
          setAccessToken(null);
          return null;
        }
        const body = (await response.json()) as { access: string };
        setAccessToken(body.access);
        return body.access;
      } catch {
        return null;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}
