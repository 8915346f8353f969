import { describe, expect, it } from "vitest";
import { ApiError, humanMessage } from "./errors";

describe("API errors as human messages", () => {
  it("turns a known code into a sentence", () => {
    const error = new ApiError(403, { code: "tenant_suspended", detail: "x", fields: {} });
    expect(error.message).toMatch(/suspended/);
    expect(error.code).toBe("tenant_suspended");
  });

  it("falls back to the API's own detail for an unknown code", () => {
    expect(humanMessage("brand_new_code", "The API says why.")).toBe("The API says why.");
  });

  it("names a network failure and a server error", () => {
    expect(new ApiError(0, null).code).toBe("network_error");
    expect(new ApiError(502, null).message).toMatch(/our side/);
  });

  it("gives a field's first message", () => {
    const error = new ApiError(400, { code: "invalid", fields: { email: ["Enter a valid e-mail."], name: "Too long." } });
    expect(error.fieldMessage("email")).toBe("Enter a valid e-mail.");
    expect(error.fieldMessage("name")).toBe("Too long.");
    expect(error.fieldMessage("other")).toBeUndefined();
  });
});
