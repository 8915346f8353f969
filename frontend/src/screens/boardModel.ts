import type { Task, TaskStatus } from "../api/types";

export interface Column {
  status: TaskStatus;
  label: string;
  tasks: Task[];
}

/** Move a task to `position` of the `status` column, as the server does (both columns stay in order). */
export function moveTask(columns: Column[], taskId: number, status: TaskStatus, position: number): Column[] {
  const task = columns.flatMap((c) => c.tasks).find((t) => t.id === taskId);
  if (!task) return columns;
  const without = columns.map((c) => ({ ...c, tasks: c.tasks.filter((t) => t.id !== taskId) }));
  return without.map((c) => {
    if (c.status !== status) return { ...c, tasks: c.tasks.map((t, i) => ({ ...t, position: i })) };
    const tasks = [...c.tasks];
    tasks.splice(Math.max(0, Math.min(position, tasks.length)), 0, { ...task, status });
    return { ...c, tasks: tasks.map((t, i) => ({ ...t, position: i })) };
  });
}

/** Where a keyboard arrow takes a task: up/down within its column, left/right to the neighbour column. */
export function keyboardTarget(
  columns: Column[],
  taskId: number,
  key: "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight",
): { status: TaskStatus; position: number } | null {
  const from = columns.findIndex((c) => c.tasks.some((t) => t.id === taskId));
  if (from < 0) return null;
  const index = columns[from].tasks.findIndex((t) => t.id === taskId);
  if (key === "ArrowUp") return index > 0 ? { status: columns[from].status, position: index - 1 } : null;
  if (key === "ArrowDown")
    return index < columns[from].tasks.length - 1 ? { status: columns[from].status, position: index + 1 } : null;
  const to = from + (key === "ArrowLeft" ? -1 : 1);
  if (to < 0 || to >= columns.length) return null;
  return { status: columns[to].status, position: Math.min(index, columns[to].tasks.length) };
}

export interface Filters {
  assignee: string; // "" any, "none" unassigned, or a user id
  priority: string;
  due: string; // "" any, "overdue", "week"
}

export function matchesFilters(task: Task, filters: Filters, today = new Date()): boolean {
  if (filters.assignee === "none" && task.assignee) return false;
  if (filters.assignee && filters.assignee !== "none" && String(task.assignee?.id ?? "") !== filters.assignee) return false;
  if (filters.priority && task.priority !== filters.priority) return false;
  if (filters.due) {
    if (!task.due_on) return false;
    const due = new Date(`${task.due_on}T00:00:00`);
    const start = new Date(today.getFullYear(), today.getMonth(), today.getDate());
    if (filters.due === "overdue" && !(due < start && task.status !== "DONE")) return false;
    if (filters.due === "week") {
      const end = new Date(start);
      end.setDate(end.getDate() + 7);
      if (due < start || due > end) return false;
    }
  }
  return true;
}
