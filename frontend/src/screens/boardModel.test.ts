import { describe, expect, it } from "vitest";
import type { Task } from "../api/types";
import { keyboardTarget, matchesFilters, moveTask, type Column } from "./boardModel";

const task = (id: number, status: Task["status"], extra: Partial<Task> = {}) =>
  ({ id, status, title: `T${id}`, priority: "MEDIUM", assignee: null, due_on: null, position: 0, ...extra }) as Task;

const board = (): Column[] => [
  { status: "TODO", label: "To do", tasks: [task(1, "TODO"), task(2, "TODO"), task(3, "TODO")] },
  { status: "IN_PROGRESS", label: "In progress", tasks: [task(4, "IN_PROGRESS")] },
  { status: "IN_REVIEW", label: "In review", tasks: [] },
  { status: "DONE", label: "Done", tasks: [] },
];

const ids = (columns: Column[]) => columns.map((c) => c.tasks.map((t) => t.id));

describe("moving tasks on the board", () => {
  it("moves across columns and renumbers both", () => {
    const next = moveTask(board(), 2, "IN_PROGRESS", 0);
    expect(ids(next)).toEqual([[1, 3], [2, 4], [], []]);
    expect(next[1].tasks[0].status).toBe("IN_PROGRESS");
    expect(next[0].tasks.map((t) => t.position)).toEqual([0, 1]);
    expect(next[1].tasks.map((t) => t.position)).toEqual([0, 1]);
  });

  it("reorders within a column, a position past the end meaning the end", () => {
    expect(ids(moveTask(board(), 1, "TODO", 2))).toEqual([[2, 3, 1], [4], [], []]);
    expect(ids(moveTask(board(), 3, "TODO", 0))).toEqual([[3, 1, 2], [4], [], []]);
    expect(ids(moveTask(board(), 1, "DONE", 99))).toEqual([[2, 3], [4], [], [1]]);
  });

  it("leaves the board alone for an unknown task", () => {
    const columns = board();
    expect(moveTask(columns, 99, "DONE", 0)).toBe(columns);
  });

  it("turns arrow keys into targets, refusing to leave the board", () => {
    const columns = board();
    expect(keyboardTarget(columns, 2, "ArrowUp")).toEqual({ status: "TODO", position: 0 });
    expect(keyboardTarget(columns, 2, "ArrowDown")).toEqual({ status: "TODO", position: 2 });
    expect(keyboardTarget(columns, 3, "ArrowDown")).toBeNull();
    expect(keyboardTarget(columns, 1, "ArrowLeft")).toBeNull();
    expect(keyboardTarget(columns, 3, "ArrowRight")).toEqual({ status: "IN_PROGRESS", position: 1 });
    expect(keyboardTarget(columns, 4, "ArrowRight")).toEqual({ status: "IN_REVIEW", position: 0 });
  });
});

describe("board filters", () => {
  const today = new Date(2026, 10, 27);
  it("filter by assignee, unassigned, priority and due date", () => {
    const mine = task(1, "TODO", { assignee: { id: 7 } as Task["assignee"], priority: "HIGH", due_on: "2026-11-20" });
    const open = task(2, "TODO", { due_on: "2026-11-30" });
    const none = { assignee: "", priority: "", due: "" };
    expect(matchesFilters(mine, { ...none, assignee: "7" }, today)).toBe(true);
    expect(matchesFilters(open, { ...none, assignee: "7" }, today)).toBe(false);
    expect(matchesFilters(open, { ...none, assignee: "none" }, today)).toBe(true);
    expect(matchesFilters(mine, { ...none, priority: "HIGH" }, today)).toBe(true);
    expect(matchesFilters(open, { ...none, priority: "HIGH" }, today)).toBe(false);
    expect(matchesFilters(mine, { ...none, due: "overdue" }, today)).toBe(true);
    expect(matchesFilters(open, { ...none, due: "overdue" }, today)).toBe(false);
    expect(matchesFilters(open, { ...none, due: "week" }, today)).toBe(true);
    expect(matchesFilters(mine, { ...none, due: "week" }, today)).toBe(false);
  });
});
