import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { NotificationPage } from "../api/types";

/** One page of notifications plus `unread_count`. */
export async function fetchNotifications(query: Record<string, unknown>): Promise<NotificationPage> {
  return unwrap(api.GET("/api/notifications/", { params: { query: query as never } }));
}

export function useUnreadCount() {
  return useQuery({
    queryKey: ["notifications", "unread-count"],
    queryFn: async () => (await fetchNotifications({ page_size: 1 })).unread_count,
    refetchInterval: 30_000,
  });
}

export function NotificationBell() {
  const unread = useUnreadCount();
  const count = unread.data ?? 0;
  const label = count === 1 ? "1 unread notification" : `${count} unread notifications`;
  return (
    <Link to="/notifications" className="bell" aria-label={`Notifications: ${label}`} data-testid="bell">
      <svg aria-hidden="true" focusable="false" width="22" height="22" viewBox="0 0 24 24" fill="none"
        stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
        <path d="M13.73 21a2 2 0 0 1-3.46 0" />
      </svg>
      {count > 0 && (
        <span className="badge" aria-hidden="true" data-testid="unread-count">
          {count > 99 ? "99+" : count}
        </span>
      )}
    </Link>
  );
}
