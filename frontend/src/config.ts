/** What Django tells the app about the host it is served on (a <meta> tag: the CSP allows no inline script). */
export interface PortalConfig {
  platform: boolean;
  tenant: { name: string; slug: string } | null;
  baseDomain: string;
}

export function readConfig(doc: Document = document): PortalConfig {
  const raw = doc.querySelector('meta[name="portal-config"]')?.getAttribute("content") ?? "{}";
  let parsed: Partial<PortalConfig> = {};
  try {
    parsed = JSON.parse(raw) as Partial<PortalConfig>;
  } catch {
    parsed = {};
  }
  return {
    platform: parsed.platform ?? false,
    tenant: parsed.tenant ?? null,
    baseDomain: parsed.baseDomain ?? "localhost",
  };
}

export const config = readConfig();

/** The portal's address on a company's own host (sign-up happens on the platform host). */
export function tenantPortalUrl(slug: string, path = "/app/", loc: Location = window.location): string {
  const port = loc.port ? `:${loc.port}` : "";
  return `${loc.protocol}//${slug}.${config.baseDomain}${port}${path}`;
}
