import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, rows, unwrap } from "../api/client";
import type { NotificationPreference } from "../api/types";
import { fetchNotifications } from "../components/NotificationBell";
import { ErrorBox, formatDateTime, Notice, PageTitle, QueryState } from "../components/ui";

export function Notifications() {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ["notifications", "list", "all"], queryFn: () => fetchNotifications({ page_size: 50 }) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["notifications"] });
  const markRead = useMutation({
    mutationFn: (id: number) => unwrap(api.POST("/api/notifications/{id}/mark-read/", { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const markAll = useMutation({
    mutationFn: () => unwrap(api.POST("/api/notifications/mark-all-read/")),
    onSuccess: refresh,
  });
  return (
    <div className="stack">
      <PageTitle>Notifications</PageTitle>
      <QueryState query={list} isEmpty={(d) => d.results.length === 0} empty="You have no notifications.">
        {(data) => (
          <section className="card stack" aria-labelledby="inbox">
            <div className="row spread">
              <h2 id="inbox">{data.unread_count} unread</h2>
              <button type="button" className="button secondary" disabled={data.unread_count === 0 || markAll.isPending}
                onClick={() => markAll.mutate()}>
                Mark all as read
              </button>
            </div>
            {markAll.error || markRead.error ? <ErrorBox error={markAll.error ?? markRead.error} /> : null}
            <ul className="list" data-testid="notifications">
              {data.results.map((n) => (
                <li key={n.id} className={n.is_read ? "row spread" : "row spread unread"}>
                  <div>
                    <div>{n.is_read ? "" : <span className="sr-only">Unread: </span>}{n.title}</div>
                    <div className="muted">{n.body}</div>
                    <div className="muted">{formatDateTime(n.created_at)}</div>
                  </div>
                  {!n.is_read && (
                    <button type="button" className="button secondary small" onClick={() => markRead.mutate(n.id)}>
                      Mark read <span className="sr-only">{n.title}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}
      </QueryState>
      <Preferences />
    </div>
  );
}

function Preferences() {
  const queryClient = useQueryClient();
  const key = ["notifications", "preferences"];
  const prefs = useQuery({ queryKey: key, queryFn: () => unwrap(api.GET("/api/notifications/preferences/", {})) });
  const save = useMutation({
    mutationFn: (pref: NotificationPreference) =>
      unwrap(api.PATCH("/api/notifications/preferences/", { body: { preferences: [{ type: pref.type, in_app: pref.in_app, email: pref.email }] } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  return (
    <section className="card stack" aria-labelledby="prefs">
      <h2 id="prefs">What you are told, and how</h2>
      <QueryState query={prefs} isEmpty={(d) => rows(d).length === 0} empty="No kinds of notification to set.">
        {(data) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr><th scope="col">Notification</th><th scope="col">In the app</th><th scope="col">By e-mail</th></tr>
              </thead>
              <tbody>
                {rows(data).map((pref) => (
                  <tr key={pref.type}>
                    <td>{pref.label}</td>
                    {(["in_app", "email"] as const).map((channel) => (
                      <td key={channel}>
                        <input type="checkbox" checked={Boolean(pref[channel])}
                          aria-label={`${pref.label}: ${channel === "in_app" ? "in the app" : "by e-mail"}`}
                          onChange={(e) => save.mutate({ ...pref, [channel]: e.target.checked })} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {save.error ? <ErrorBox error={save.error} /> : null}
      {save.isSuccess && <Notice kind="success">Preferences saved.</Notice>}
    </section>
  );
}
