import { useEffect, useMemo, useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Navigate, useNavigate, useParams } from "react-router-dom";
import { api, rows, unwrap } from "../api/client";
import type { Board as BoardData, Task, TaskStatus } from "../api/types";
import { Empty, ErrorBox, formatDate, Loading, Notice, PageTitle, personName, QueryState, SelectField, TextField } from "../components/ui";
import { messageOf } from "../errors";
import { keyboardTarget, matchesFilters, moveTask, type Column, type Filters } from "./boardModel";
import { PRIORITIES, PRIORITY_LABELS, STATUS_LABELS } from "./labels";
import { TaskDrawer } from "./TaskDrawer";

export function useTeams() {
  return useQuery({
    queryKey: ["teams", "list"],
    queryFn: () => unwrap(api.GET("/api/teams/", { params: { query: { page_size: 100 } as never } })),
  });
}

/** /board: open the first team's board, or say how to get one. */
export function BoardIndex() {
  const teams = useTeams();
  return (
    <QueryState query={teams} isEmpty={(d) => rows(d).length === 0}
      empty={<>You are in no team yet. A manager or administrator can create one under <a href="/app/teams">Teams</a>.</>}>
      {(data) => <Navigate to={`/board/${rows(data)[0].id}`} replace />}
    </QueryState>
  );
}

export function Board() {
  const { teamId, taskId } = useParams();
  const team = Number(teamId);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const teams = useTeams();
  const key = ["board", team];
  const board = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/api/tasks/board/", { params: { query: { team } } })),
  });
  const members = useQuery({
    queryKey: ["teams", team, "members"],
    queryFn: () => unwrap(api.GET("/api/teams/{id}/members/", { params: { path: { id: team }, query: { page_size: 100 } as never } })),
  });
  const [filters, setFilters] = useState<Filters>({ assignee: "", priority: "", due: "" });
  const [announcement, setAnnouncement] = useState("");
  const [moveError, setMoveError] = useState<unknown>(null);
  const [lifted, setLifted] = useState<{ id: number; snapshot: BoardData } | null>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const [dropTarget, setDropTarget] = useState<TaskStatus | null>(null);
  const cardRefs = useRef(new Map<number, HTMLButtonElement>());

  const columns = (board.data?.columns ?? []) as Column[];

  const move = useMutation({
    mutationFn: ({ id, status, position }: { id: number; status: TaskStatus; position: number; snapshot?: BoardData }) =>
      unwrap(api.POST("/api/tasks/{id}/move/", { params: { path: { id } }, body: { status, position } })),
    onMutate: async ({ id, status, position, snapshot }) => {
      setMoveError(null);
      await queryClient.cancelQueries({ queryKey: key });
      const previous = snapshot ?? queryClient.getQueryData<BoardData>(key);
      queryClient.setQueryData<BoardData>(key, (current) =>
        current ? { ...current, columns: moveTask(current.columns as Column[], id, status, position) } : current,
      );
      return { previous };
    },
    onError: (error, _vars, context) => {
      // A refused move (4xx) puts the card back where it was and says why.
      if (context?.previous) queryClient.setQueryData(key, context.previous);
      setMoveError(error);
      setAnnouncement(`Move refused: ${messageOf(error)}`);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });

  function commitMove(id: number, status: TaskStatus, position: number, snapshot?: BoardData) {
    move.mutate({ id, status, position, snapshot });
    const title = columns.flatMap((c) => c.tasks).find((t) => t.id === id)?.title ?? "Task";
    setAnnouncement(`${title} moved to ${STATUS_LABELS[status]}, position ${position + 1}.`);
  }

  // Keep keyboard focus on the card that moves.
  useEffect(() => {
    if (lifted) cardRefs.current.get(lifted.id)?.focus();
  }, [board.data, lifted]);

  function onCardKeyDown(event: KeyboardEvent<HTMLButtonElement>, task: Task) {
    if (event.key === " " || (event.key === "Enter" && lifted)) {
      event.preventDefault();
      if (!lifted) {
        setLifted({ id: task.id, snapshot: board.data as BoardData });
        setAnnouncement(`${task.title} lifted. Arrow keys move it, Space drops it, Escape cancels.`);
      } else if (lifted.id === task.id) {
        const column = (queryClient.getQueryData<BoardData>(key)?.columns ?? []) as Column[];
        const col = column.find((c) => c.tasks.some((t) => t.id === task.id));
        const position = col?.tasks.findIndex((t) => t.id === task.id) ?? 0;
        const snapshot = lifted.snapshot;
        setLifted(null);
        if (col) commitMove(task.id, col.status, position, snapshot);
      }
      return;
    }
    if (event.key === "Escape" && lifted) {
      event.preventDefault();
      queryClient.setQueryData(key, lifted.snapshot);
      setLifted(null);
      setAnnouncement(`Move of ${task.title} cancelled.`);
      return;
    }
    if (lifted && lifted.id === task.id && ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].includes(event.key)) {
      event.preventDefault();
      const current = (queryClient.getQueryData<BoardData>(key)?.columns ?? []) as Column[];
      const target = keyboardTarget(current, task.id, event.key as "ArrowUp");
      if (!target) return;
      queryClient.setQueryData<BoardData>(key, (data) =>
        data ? { ...data, columns: moveTask(data.columns as Column[], task.id, target.status, target.position) } : data,
      );
      setAnnouncement(`${STATUS_LABELS[target.status]}, position ${target.position + 1}.`);
    }
  }

  function dropIndex(event: DragEvent<HTMLElement>, column: Column): number {
    const cards = Array.from((event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>("[data-task-id]"));
    const others = cards.filter((card) => Number(card.dataset.taskId) !== dragging);
    const index = others.findIndex((card) => {
      const box = card.getBoundingClientRect();
      return event.clientY < box.top + box.height / 2;
    });
    return index < 0 ? column.tasks.filter((t) => t.id !== dragging).length : index;
  }

  const assignees = rows(members.data);
  const visible = useMemo(
    () => columns.map((c) => ({ ...c, tasks: c.tasks.filter((t) => matchesFilters(t, filters)) })),
    [columns, filters],
  );
  const filtering = Boolean(filters.assignee || filters.priority || filters.due);
  const teamName = board.data?.team?.name ?? rows(teams.data).find((t) => t.id === team)?.name ?? "Board";
  const openTask = taskId ? Number(taskId) : null;

  return (
    <div className="stack">
      <div className="row spread">
        <PageTitle>{teamName}</PageTitle>
        {rows(teams.data).length > 1 && (
          <SelectField label="Team" value={String(team)} onChange={(e) => navigate(`/board/${e.target.value}`)}>
            {rows(teams.data).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </SelectField>
        )}
      </div>
      <NewTask team={team} />
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Assignee" value={filters.assignee} onChange={(e) => setFilters({ ...filters, assignee: e.target.value })}>
          <option value="">Anyone</option>
          <option value="none">Unassigned</option>
          {assignees.map((m) => (
            <option key={m.user.id} value={m.user.id}>
              {personName(m.user)}
            </option>
          ))}
        </SelectField>
        <SelectField label="Priority" value={filters.priority} onChange={(e) => setFilters({ ...filters, priority: e.target.value })}>
          <option value="">Any</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {PRIORITY_LABELS[p]}
            </option>
          ))}
        </SelectField>
        <SelectField label="Due" value={filters.due} onChange={(e) => setFilters({ ...filters, due: e.target.value })}>
          <option value="">Any time</option>
          <option value="overdue">Overdue</option>
          <option value="week">Within 7 days</option>
        </SelectField>
        {filtering && (
          <button type="button" className="button secondary" onClick={() => setFilters({ assignee: "", priority: "", due: "" })}>
            Clear filters
          </button>
        )}
      </form>
      <p id="board-help" className="hint">
        Drag a card to another place, or focus a card and press Space to lift it, the arrow keys to move it and Space to drop it
        (Escape cancels).
      </p>
      <div className="sr-only" aria-live="assertive" data-testid="board-announcer">
        {announcement}
      </div>
      {moveError ? <ErrorBox error={moveError} /> : null}
      {board.isPending ? (
        <Loading label="Loading the board…" />
      ) : board.error ? (
        <ErrorBox error={board.error} onRetry={() => board.refetch()} />
      ) : (
        <>
          {columns.every((c) => c.tasks.length === 0) && <Empty>No tasks yet: add the first one above.</Empty>}
          {filtering && visible.every((c) => c.tasks.length === 0) && columns.some((c) => c.tasks.length) && (
            <Notice>No task matches these filters.</Notice>
          )}
          <div className="board" data-testid="board">
            {visible.map((column) => (
              <section
                key={column.status}
                className={dropTarget === column.status ? "column drop-target" : "column"}
                aria-labelledby={`col-${column.status}`}
                data-status={column.status}
                onDragOver={(event) => {
                  if (dragging === null || filtering) return;
                  event.preventDefault();
                  setDropTarget(column.status);
                }}
                onDragLeave={() => setDropTarget(null)}
                onDrop={(event) => {
                  event.preventDefault();
                  setDropTarget(null);
                  const id = Number(event.dataTransfer.getData("text/plain") || dragging);
                  if (!id || filtering) return;
                  commitMove(id, column.status, dropIndex(event, column));
                  setDragging(null);
                }}
              >
                <h2 id={`col-${column.status}`}>
                  <span>{column.label || STATUS_LABELS[column.status]}</span>
                  <span className="muted">{column.tasks.length}</span>
                </h2>
                <ul className="cards">
                  {column.tasks.map((task) => (
                    <li
                      key={task.id}
                      data-task-id={task.id}
                      className={[
                        "task-card",
                        lifted?.id === task.id ? "lifted" : "",
                        dragging === task.id ? "dragging" : "",
                      ].join(" ")}
                      draggable={!filtering}
                      onDragStart={(event) => {
                        event.dataTransfer.setData("text/plain", String(task.id));
                        event.dataTransfer.effectAllowed = "move";
                        setDragging(task.id);
                      }}
                      onDragEnd={() => {
                        setDragging(null);
                        setDropTarget(null);
                      }}
                    >
                      <button
                        type="button"
                        className="linklike title"
                        ref={(el) => {
                          if (el) cardRefs.current.set(task.id, el);
                          else cardRefs.current.delete(task.id);
                        }}
                        aria-describedby="board-help"
                        aria-pressed={lifted?.id === task.id ? true : undefined}
                        onKeyDown={(event) => onCardKeyDown(event, task)}
                        onClick={() => {
                          if (!lifted) navigate(`/board/${team}/task/${task.id}`);
                        }}
                      >
                        {task.title}
                      </button>
                      <div className="meta">
                        <span className={`pill ${task.priority === "URGENT" || task.priority === "HIGH" ? "warn" : ""}`}>
                          {PRIORITY_LABELS[task.priority]}
                        </span>
                        <span>{personName(task.assignee)}</span>
                        {task.due_on && <span>Due {formatDate(task.due_on)}</span>}
                        {task.comment_count > 0 && <span>{task.comment_count} {task.comment_count === 1 ? "comment" : "comments"}</span>}
                        {task.attachment_count > 0 && <span>{task.attachment_count} {task.attachment_count === 1 ? "file" : "files"}</span>}
                      </div>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </div>
        </>
      )}
      {openTask && <TaskDrawer taskId={openTask} team={team} onClose={() => navigate(`/board/${team}`)} />}
    </div>
  );
}

function NewTask({ team }: { team: number }) {
  const queryClient = useQueryClient();
  const [title, setTitle] = useState("");
  const create = useMutation({
    mutationFn: (value: string) => unwrap(api.POST("/api/tasks/", { body: { team, title: value } as never })),
    onSuccess: () => {
      setTitle("");
      queryClient.invalidateQueries({ queryKey: ["board", team] });
    },
  });
  return (
    <form
      className="row"
      aria-label="New task"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        if (title.trim()) create.mutate(title.trim());
      }}
    >
      <TextField label="New task" value={title} onChange={(e) => setTitle(e.target.value)} placeholder="What needs doing?" />
      <button type="submit" className="button primary" disabled={create.isPending}>
        {create.isPending ? "Adding…" : "Add task"}
      </button>
      {create.error ? <ErrorBox error={create.error} /> : null}
    </form>
  );
}
