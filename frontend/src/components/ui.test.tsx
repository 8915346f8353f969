import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../errors";
import { QueryState } from "./ui";

const query = (over: Partial<{ data: string[] | undefined; error: unknown; isPending: boolean }>) => ({
  data: undefined,
  error: null,
  isPending: false,
  refetch: vi.fn(),
  ...over,
});

describe("every screen's three states", () => {
  it("shows loading", () => {
    render(<QueryState query={query({ isPending: true })}>{() => "data"}</QueryState>);
    expect(screen.getByRole("status").textContent).toMatch(/Loading/);
  });

  it("shows the API's error as a human message, with a retry", () => {
    const q = query({ error: new ApiError(403, { code: "plan_limit_reached", detail: "Limit: teams." }) });
    render(<QueryState query={q}>{() => "data"}</QueryState>);
    expect(screen.getByRole("alert").textContent).toMatch(/limit is reached/);
    expect(screen.getByRole("alert").dataset.code).toBe("plan_limit_reached");
    screen.getByRole("button", { name: "Try again" }).click();
    expect(q.refetch).toHaveBeenCalled();
  });

  it("shows the empty state, then the data", () => {
    const { rerender } = render(
      <QueryState query={query({ data: [] })} isEmpty={(d) => d.length === 0} empty="Nothing here.">
        {(d) => d.join(",")}
      </QueryState>,
    );
    expect(screen.getByText("Nothing here.")).toBeTruthy();
    rerender(
      <QueryState query={query({ data: ["a", "b"] })} isEmpty={(d) => d.length === 0} empty="Nothing here.">
        {(d) => d.join(",")}
      </QueryState>,
    );
    expect(screen.getByText("a,b")).toBeTruthy();
  });
});
