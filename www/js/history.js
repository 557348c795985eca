// Call history: the user's sessions from the SDK (the backend's answer, or the local
// view with pending ops folded in when the backend is out of reach).
import { $, clear, h } from "./dom.js";
import * as fmt from "./format.js";
import { sessionKey, STATUS_LABEL, toPlain } from "./data.js";

const LIMIT = 20;

export function statusBadge(status) {
  return h("span", {
    class: `badge s-${status}`,
    testid: "status-badge",
    text: STATUS_LABEL[status] || status,
  });
}

function row(session) {
  const issues = session.qualityIssues?.length || 0;
  const synced = Boolean(session._id);
  return h(
    "tr",
    {
      testid: "history-row",
      dataset: { status: session.sessionStatus, sessionId: sessionKey(session), synced: String(synced) },
    },
    h("td", {}, h("span", { class: "strong", text: fmt.when(session.joinedAt) })),
    h(
      "td",
      {},
      h("span", { class: "strong", text: session.supportWorkerName }),
      session.supportWorkerId ? h("span", { class: "muted small block", text: session.supportWorkerId }) : null,
    ),
    h(
      "td",
      {},
      statusBadge(session.sessionStatus),
      synced ? null : h("span", { class: "chip pending", title: "Stored on this device, not yet on the backend", text: "not synced" }),
    ),
    h("td", { class: "num", testid: "history-duration", text: fmt.duration(session.duration) }),
    h("td", { class: "num", title: issues ? session.qualityIssues.join("\n") : undefined, text: issues }),
    h("td", { class: "num", testid: "history-rating", title: session.ratingComment || undefined, text: typeof session.rating === "number" ? `${session.rating}★` : "—" }),
  );
}

export function setupHistory(app) {
  const body = $("#history-body");
  const empty = $("#history-empty");

  async function refresh() {
    const client = app.conn.client;
    if (!client) return;
    const sessions = toPlain(await client.getUserSessions({ limit: LIMIT })) || [];
    clear(body);
    for (const session of sessions) body.append(row(session));
    empty.hidden = sessions.length > 0;
  }

  $("#history-refresh").addEventListener("click", () => app.refresh());
  return { refresh };
}
