/** The typed API client: openapi-fetch over the types generated from /api/schema/. */
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError, type ApiErrorBody } from "../errors";
import { getAccessToken, refreshAccessToken, TRANSPORT_HEADER } from "../auth/session";

const NO_RETRY = ["/api/auth/login/", "/api/auth/token/refresh/", "/api/auth/logout/", "/api/auth/register/"];

/** fetch with the access token; on a 401 refresh the token once (silently) and retry. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const send = (request: Request, token: string | null) => {
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    request.headers.set(TRANSPORT_HEADER, "cookie");
    return fetch(request, { credentials: "same-origin" } as RequestInit);
  };
  const response = await send(input, getAccessToken());
  const path = new URL(input.url, window.location.href).pathname;
  if (response.status !== 401 || NO_RETRY.includes(path)) return response;
  const token = await refreshAccessToken();
  if (!token) return response;
  return send(retry, token);
}

export const api = createClient<paths>({ baseUrl: "", fetch: authFetch });

/** Resolve an openapi-fetch result to its data, or throw the API's error as an ApiError. */
export async function unwrap<T>(
  promise: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await promise;
  } catch {
    throw new ApiError(0, null);
  }
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, (result.error ?? null) as ApiErrorBody | null);
}

/** The rows of a list answer, paginated (page numbers or cursor) or not. */
export function rows<P extends { results?: readonly unknown[] } | readonly unknown[]>(
  page: P | undefined | null,
): P extends readonly (infer R)[] ? R[] : P extends { results?: readonly (infer R)[] } ? R[] : never {
  if (!page) return [] as never;
  return (Array.isArray(page) ? page : ((page as { results?: unknown[] }).results ?? [])) as never;
}

/** Download a protected file (the token goes in a header, so a plain link cannot do it). */
export async function download(url: string, fallbackName: string): Promise<void> {
  const response = await authFetch(new Request(url));
  if (!response.ok) {
    let body: ApiErrorBody | null = null;
    try {
      body = (await response.json()) as ApiErrorBody;
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1]) : fallbackName;
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.textContent = name;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** Upload multipart form data with progress (fetch cannot report upload progress; XHR can). */
export function upload<T>(
  url: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  const attempt = (token: string | null) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => reject(new ApiError(0, null));
      xhr.send(form);
    });
  return (async () => {
    let result = await attempt(getAccessToken());
    if (result.status === 401) {
      const token = await refreshAccessToken();
      if (token) result = await attempt(token);
    }
    if (result.status >= 200 && result.status < 300) {
      onProgress(1);
      return result.body as T;
    }
    throw new ApiError(result.status, result.body as ApiErrorBody | null);
  })();
}
