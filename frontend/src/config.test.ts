import { describe, expect, it } from "vitest";
import { readConfig } from "./config";

describe("the host's configuration", () => {
  it("is read from the meta tag Django fills", () => {
    const doc = document.implementation.createHTMLDocument("t");
    doc.head.innerHTML =
      '<meta name="portal-config" content="{&quot;platform&quot;:false,&quot;tenant&quot;:{&quot;name&quot;:&quot;Acme&quot;,&quot;slug&quot;:&quot;acme&quot;},&quot;baseDomain&quot;:&quot;localhost&quot;}">';
    expect(readConfig(doc)).toEqual({ platform: false, tenant: { name: "Acme", slug: "acme" }, baseDomain: "localhost" });
  });

  it("has safe defaults when the tag is empty or broken", () => {
    const doc = document.implementation.createHTMLDocument("t");
    doc.head.innerHTML = '<meta name="portal-config" content="{not json">';
    expect(readConfig(doc)).toEqual({ platform: false, tenant: null, baseDomain: "localhost" });
  });
});
