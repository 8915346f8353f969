import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, rows, unwrap } from "../api/client";
import { useSession } from "../auth/AuthContext";
import { fetchNotifications } from "../components/NotificationBell";
import { formatDate, formatDateTime, PageTitle, QueryState } from "../components/ui";
import { PRIORITY_LABELS, STATUS_LABELS } from "./labels";

function isoDay(offsetDays: number): string {
  const date = new Date();
  date.setDate(date.getDate() + offsetDays);
  return date.toISOString().slice(0, 10);
}

export function Dashboard() {
  const session = useSession();
  const myTasks = useQuery({
    queryKey: ["tasks", "mine", session.user.id],
    queryFn: () =>
      unwrap(api.GET("/api/tasks/", { params: { query: { assignee: session.user.id, ordering: "due_on", page_size: 10 } as never } })),
  });
  const dueSoon = useQuery({
    queryKey: ["tasks", "due-soon"],
    queryFn: () =>
      unwrap(api.GET("/api/tasks/", { params: { query: { due_before: isoDay(7), ordering: "due_on", page_size: 10 } as never } })),
  });
  const notifications = useQuery({
    queryKey: ["notifications", "list", "dashboard"],
    queryFn: () => fetchNotifications({ page_size: 5 }),
  });
  const activity = useQuery({
    queryKey: ["activity", "dashboard"],
    enabled: session.user.role === "TENANT_ADMIN",
    queryFn: () => unwrap(api.GET("/api/activity/", { params: { query: { page_size: 8 } as never } })),
  });

  return (
    <div className="stack">
      <PageTitle>Dashboard</PageTitle>
      <div className="grid two">
        <section className="card" aria-labelledby="my-tasks">
          <h2 id="my-tasks">My tasks</h2>
          <QueryState query={myTasks} isEmpty={(d) => rows(d).length === 0} empty="Nothing is assigned to you.">
            {(data) => (
              <ul className="list">
                {rows(data).map((task) => (
                  <li key={task.id}>
                    <Link to={`/board/${task.team}/task/${task.id}`}>{task.title}</Link>
                    <span className="muted">
                      {" "}· {STATUS_LABELS[task.status]} · {PRIORITY_LABELS[task.priority]} · due {formatDate(task.due_on)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </section>
        <section className="card" aria-labelledby="due-soon">
          <h2 id="due-soon">Due in the next 7 days</h2>
          <QueryState query={dueSoon}
            isEmpty={(d) => rows(d).filter((t) => t.status !== "DONE" && t.due_on).length === 0}
            empty="Nothing is due this week.">
            {(data) => (
              <ul className="list">
                {rows(data)
                  .filter((t) => t.status !== "DONE" && t.due_on)
                  .map((task) => (
                    <li key={task.id}>
                      <Link to={`/board/${task.team}/task/${task.id}`}>{task.title}</Link>
                      <span className="muted"> · {task.team_name} · due {formatDate(task.due_on)}</span>
                    </li>
                  ))}
              </ul>
            )}
          </QueryState>
        </section>
        <section className="card" aria-labelledby="unread">
          <h2 id="unread">Notifications</h2>
          <QueryState query={notifications} isEmpty={(d) => rows(d).length === 0} empty="No notifications yet.">
            {(data) => (
              <>
                <p>
                  <strong>{data.unread_count}</strong> unread ·{" "}
                  <Link to="/notifications">see all</Link>
                </p>
                <ul className="list">
                  {rows(data).map((n) => (
                    <li key={n.id} className={n.is_read ? "" : "unread"}>
                      {n.title} <span className="muted">· {formatDateTime(n.created_at)}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </QueryState>
        </section>
        {session.user.role === "TENANT_ADMIN" && (
          <section className="card" aria-labelledby="recent-activity">
            <h2 id="recent-activity">Recent activity</h2>
            <QueryState query={activity} isEmpty={(d) => rows(d).length === 0} empty="No activity yet.">
              {(data) => (
                <ul className="list">
                  {rows(data).map((entry) => (
                    <li key={entry.id}>
                      {entry.actor.display} · {entry.verb_label}{entry.object.repr ? `: ${entry.object.repr}` : ""}
                      <span className="muted"> · {formatDateTime(entry.created_at)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </QueryState>
          </section>
        )}
      </div>
    </div>
  );
}
