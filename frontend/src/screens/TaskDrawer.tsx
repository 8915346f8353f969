import { useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, download, rows, unwrap, upload } from "../api/client";
import type { Attachment, Task } from "../api/types";
import { useSession } from "../auth/AuthContext";
import {
  ErrorBox, formatBytes, formatDate, formatDateTime, Notice, personName, QueryState, SelectField, TextArea, TextField,
} from "../components/ui";
import { PRIORITIES, PRIORITY_LABELS, STATUS_LABELS } from "./labels";

export function TaskDrawer({ taskId, team, onClose }: { taskId: number; team: number; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const task = useQuery({
    queryKey: ["task", taskId],
    queryFn: () => unwrap(api.GET("/api/tasks/{id}/", { params: { path: { id: taskId } } })),
  });
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>("h2")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      previous?.focus?.();
    };
  }, [onClose]);
  return (
    <>
      <div className="drawer-backdrop" onClick={onClose} aria-hidden="true" />
      <div className="drawer" role="dialog" aria-modal="true" aria-labelledby="drawer-title" ref={ref} data-testid="task-drawer">
        <div className="row spread">
          <h2 id="drawer-title" tabIndex={-1}>
            {task.data?.title ?? "Task"}
          </h2>
          <button type="button" className="button secondary small" onClick={onClose}>
            Close
          </button>
        </div>
        <QueryState query={task} loadingLabel="Loading the task…">
          {(data) => (
            <>
              <p className="muted">
                {STATUS_LABELS[data.status]} · created by {personName(data.creator)} on {formatDate(data.created_at)}
              </p>
              <TaskForm task={data} team={team} />
              <Comments task={data} />
              <Attachments task={data} />
              <History task={data} />
            </>
          )}
        </QueryState>
      </div>
    </>
  );
}

function TaskForm({ task, team }: { task: Task; team: number }) {
  const queryClient = useQueryClient();
  const members = useQuery({
    queryKey: ["teams", team, "members"],
    queryFn: () => unwrap(api.GET("/api/teams/{id}/members/", { params: { path: { id: team }, query: { page_size: 100 } as never } })),
  });
  const [form, setForm] = useState({
    title: task.title,
    description: task.description ?? "",
    priority: task.priority,
    assignee: task.assignee ? String(task.assignee.id) : "",
    due_on: task.due_on ?? "",
  });
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/api/tasks/{id}/", {
          params: { path: { id: task.id } },
          body: {
            title: form.title,
            description: form.description,
            priority: form.priority,
            assignee: form.assignee ? Number(form.assignee) : null,
            due_on: form.due_on || null,
          },
        }),
      ),
    onSuccess: (data) => {
      queryClient.setQueryData(["task", task.id], data);
      queryClient.invalidateQueries({ queryKey: ["board", team] });
      queryClient.invalidateQueries({ queryKey: ["task", task.id, "activities"] });
      setSaved(true);
    },
  });
  return (
    <section aria-labelledby="details-title">
      <h3 id="details-title">Details</h3>
      <form
        className="stack"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          setSaved(false);
          save.mutate();
        }}
      >
        <TextField label="Title" value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} required />
        <TextArea label="Description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
        <div className="grid three">
          <SelectField label="Assignee" value={form.assignee} onChange={(e) => setForm({ ...form, assignee: e.target.value })}>
            <option value="">Unassigned</option>
            {rows(members.data).map((m) => (
              <option key={m.user.id} value={m.user.id}>
                {personName(m.user)}
              </option>
            ))}
          </SelectField>
          <SelectField label="Priority" value={form.priority}
            onChange={(e) => setForm({ ...form, priority: e.target.value as Task["priority"] })}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {PRIORITY_LABELS[p]}
              </option>
            ))}
          </SelectField>
          <TextField label="Due date" type="date" value={form.due_on} onChange={(e) => setForm({ ...form, due_on: e.target.value })} />
        </div>
        {save.error ? <ErrorBox error={save.error} /> : null}
        {saved && <Notice kind="success">Saved.</Notice>}
        <div>
          <button type="submit" className="button primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save changes"}
          </button>
        </div>
      </form>
    </section>
  );
}

function Comments({ task }: { task: Task }) {
  const queryClient = useQueryClient();
  const session = useSession();
  const key = ["task", task.id, "comments"];
  const comments = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/api/tasks/{id}/comments/", { params: { path: { id: task.id }, query: { page_size: 100 } as never } })),
  });
  const [body, setBody] = useState("");
  const add = useMutation({
    mutationFn: () => unwrap(api.POST("/api/tasks/{id}/comments/", { params: { path: { id: task.id } }, body: { body } })),
    onSuccess: () => {
      setBody("");
      queryClient.invalidateQueries({ queryKey: key });
      queryClient.invalidateQueries({ queryKey: ["task", task.id, "activities"] });
    },
  });
  const remove = useMutation({
    mutationFn: (commentId: number) =>
      unwrap(api.DELETE("/api/tasks/{id}/comments/{comment_id}/", { params: { path: { id: task.id, comment_id: commentId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  return (
    <section aria-labelledby="comments-title">
      <h3 id="comments-title">Comments</h3>
      <QueryState query={comments} isEmpty={(d) => rows(d).length === 0} empty="No comments yet.">
        {(data) => (
          <ul className="list" data-testid="comments">
            {rows(data).map((comment) => (
              <li key={comment.id}>
                <strong>{personName(comment.author)}</strong> <span className="muted">{formatDateTime(comment.created_at)}</span>
                <p className="comment-body">{comment.body}</p>
                {comment.author?.id === session.user.id && (
                  <button type="button" className="linklike" onClick={() => remove.mutate(comment.id)}>
                    Delete my comment
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {remove.error ? <ErrorBox error={remove.error} /> : null}
      <form
        className="stack"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          if (body.trim()) add.mutate();
        }}
      >
        <TextArea label="Add a comment" value={body} onChange={(e) => setBody(e.target.value)} />
        {add.error ? <ErrorBox error={add.error} /> : null}
        <div>
          <button type="submit" className="button primary" disabled={add.isPending || !body.trim()}>
            {add.isPending ? "Posting…" : "Post comment"}
          </button>
        </div>
      </form>
    </section>
  );
}

function Attachments({ task }: { task: Task }) {
  const queryClient = useQueryClient();
  const key = ["task", task.id, "attachments"];
  const attachments = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/api/tasks/{id}/attachments/", { params: { path: { id: task.id }, query: { page_size: 100 } as never } })),
  });
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);

  async function send(file: File) {
    const form = new FormData();
    form.append("file", file);
    setError(null);
    setProgress(0);
    try {
      await upload<Attachment>(`/api/tasks/${task.id}/attachments/`, form, setProgress);
      queryClient.invalidateQueries({ queryKey: key });
      queryClient.invalidateQueries({ queryKey: ["task", task.id, "activities"] });
      if (input.current) input.current.value = "";
    } catch (caught) {
      setError(caught);
    } finally {
      setProgress(null);
    }
  }

  return (
    <section aria-labelledby="files-title">
      <h3 id="files-title">Attachments</h3>
      <QueryState query={attachments} isEmpty={(d) => rows(d).length === 0} empty="No files attached.">
        {(data) => (
          <ul className="list" data-testid="attachments">
            {rows(data).map((file) => (
              <li key={file.id} className="row spread">
                <span>
                  {file.original_name} <span className="muted">({formatBytes(file.size)}, {personName(file.uploader)})</span>
                </span>
                <button
                  type="button"
                  className="button secondary small"
                  onClick={() =>
                    download(`/api/tasks/${task.id}/attachments/${file.id}/download/`, file.original_name).catch(setDownloadError)
                  }
                >
                  Download <span className="sr-only">{file.original_name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {downloadError ? <ErrorBox error={downloadError} /> : null}
      <div className="field">
        <label htmlFor="attach-file">Attach a file (PDF, image, text; at most 10 MB)</label>
        <input id="attach-file" ref={input} type="file" disabled={progress !== null}
          onChange={(e) => e.target.files?.[0] && send(e.target.files[0])} />
      </div>
      {progress !== null && (
        <div role="status">
          <label htmlFor="upload-progress">Uploading… {Math.round(progress * 100)}%</label>
          <progress id="upload-progress" max={1} value={progress} />
        </div>
      )}
      {error ? <ErrorBox error={error} /> : null}
    </section>
  );
}

/** A history value as people read it (statuses and priorities by their labels). */
function readable(field: string, value: string | null | undefined): string {
  if (!value) return "—";
  if (field === "status") return STATUS_LABELS[value as Task["status"]] ?? value;
  if (field === "priority") return PRIORITY_LABELS[value as Task["priority"]] ?? value;
  return value;
}

function History({ task }: { task: Task }) {
  const history = useQuery({
    queryKey: ["task", task.id, "activities"],
    queryFn: () => unwrap(api.GET("/api/tasks/{id}/activities/", { params: { path: { id: task.id }, query: { page_size: 50 } as never } })),
  });
  return (
    <section aria-labelledby="history-title">
      <h3 id="history-title">History</h3>
      <QueryState query={history} isEmpty={(d) => rows(d).length === 0} empty="Nothing has happened yet.">
        {(data) => (
          <ul className="list" data-testid="history">
            {rows(data).map((entry) => (
              <li key={entry.id}>
                {personName(entry.actor)} · {entry.action.toLowerCase().replace(/_/g, " ")}
                {entry.field ? ` ${entry.field}` : ""}
                {entry.old_value || entry.new_value ? `: ${readable(entry.field, entry.old_value)} → ${readable(entry.field, entry.new_value)}` : ""}
                <span className="muted"> · {formatDateTime(entry.created_at)}</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
