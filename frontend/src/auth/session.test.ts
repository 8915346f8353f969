import { afterEach, describe, expect, it, vi } from "vitest";
import { csrfToken, getAccessToken, refreshAccessToken, setAccessToken } from "./session";

describe("the session", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    setAccessToken(null);
  });

  it("reads Django's CSRF cookie", () => {
    expect(csrfToken("a=1; csrftoken=abc%3D; b=2")).toBe("abc=");
    expect(csrfToken("a=1")).toBe("");
  });

  it("refreshes once for concurrent callers, with the cookie transport and the CSRF header", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ access: "new-access" }), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);

    const [a, b] = await Promise.all([refreshAccessToken(), refreshAccessToken()]);

    expect(a).toBe("new-access");
    expect(b).toBe("new-access");
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/auth/token/refresh/");
    expect((init.headers as Record<string, string>)["X-Refresh-Transport"]).toBe("cookie");
    expect(init.credentials).toBe("same-origin");
    expect(getAccessToken()).toBe("new-access");
  });

  it("forgets the access token when the refresh cookie is refused", async () => {
    setAccessToken("old");
    vi.stubGlobal("fetch", vi.fn(async () => new Response("{}", { status: 401 })));

    expect(await refreshAccessToken()).toBeNull();
    expect(getAccessToken()).toBeNull();
  });
});
