// The live queue inspector: pending ops, the oldest one's age, dead letters, and a
// short log of what the SDK reported (queued, delivered, retrying, dropped, online,
// offline, storageFull, …). Numbers are polled from the client; events are pushed.
import { $, clear, h } from "./dom.js";
import * as fmt from "./format.js";
import { toPlain } from "./data.js";

const MAX_LOG = 40;
const POLL_MS = 500;

const short = (id) => (id ? String(id).slice(0, 8) : "");

/** One line of detail for an event; unknown event types show their fields. */
function detail(event) {
  const { type, ...rest } = event;
  switch (type) {
    case "queued":
      return `${rest.kind} · session ${short(rest.clientSessionId)}`;
    case "delivered":
      return `${rest.kind}${rest.duplicate ? " (already there)" : ""}`;
    case "retrying":
      return `attempt ${rest.attempt}, next in ${fmt.age(rest.delayMs)}${rest.reason ? ` — ${rest.reason}` : ""}`;
    case "dropped":
      return `${rest.kind} refused: ${rest.code}${rest.reason ? ` — ${rest.reason}` : ""}`;
    case "online":
      return "backend reachable";
    case "offline":
      return "backend unreachable — ops stay queued";
    case "storageFull":
      return `storage full: ${rest.inMemory} op(s) kept in memory`;
    default: {
      const text = JSON.stringify(rest);
      return text === "{}" ? "" : text.slice(0, 120);
    }
  }
}

export function setupQueue(app) {
  const log = $("#event-log");
  const pending = $("#pending-count");
  const oldest = $("#oldest-pending");
  const dead = $("#dead-letters");
  const deadList = $("#dead-list");
  const debug = $("#debug-log");
  let lastDeadCount = -1;

  function add(type, text) {
    const item = h(
      "li",
      { class: `log-item t-${type}`, dataset: { type } },
      h("time", { text: fmt.logTime(new Date()) }),
      h("span", { class: "log-type", text: type }),
      h("span", { class: "log-detail", text }),
    );
    log.prepend(item);
    while (log.children.length > MAX_LOG) log.lastElementChild.remove();
  }

  function renderDead(letters) {
    dead.textContent = fmt.number(letters.length);
    dead.classList.toggle("bad", letters.length > 0);
    if (letters.length === lastDeadCount) return;
    lastDeadCount = letters.length;
    clear(deadList);
    deadList.hidden = letters.length === 0;
    for (const letter of letters.slice(-5).reverse()) {
      deadList.append(
        h(
          "li",
          {},
          h("strong", { text: letter.kind }),
          ` ${letter.code}: `,
          h("span", { text: letter.reason }),
        ),
      );
    }
  }

  async function poll() {
    const client = app.conn.client;
    if (!client) return;
    try {
      const count = await client.pendingCount();
      const age = await client.oldestPendingAgeMs();
      const letters = toPlain(await client.deadLetters()) || [];
      pending.textContent = fmt.number(count);
      pending.dataset.value = String(count);
      pending.classList.toggle("warn", count > 0);
      oldest.textContent = count > 0 && age !== null && age !== undefined ? fmt.age(age) : "—";
      renderDead(letters);
    } catch (err) {
      // A client closed mid-poll by the Network switch; the next poll uses the new one.
      if (app.conn.client === client) add("error", err?.message || String(err));
    }
  }

  $("#flush").addEventListener("click", async () => {
    try {
      const client = await app.conn.ready();
      const report = toPlain(await client.flush());
      add("flush", report ? detailOfFlush(report) : "done");
      app.refresh();
    } catch (err) {
      add("error", err?.message || String(err));
    }
  });

  debug.checked = app.conn.debug;
  debug.addEventListener("change", () => {
    app.conn.setDebug(debug.checked);
    localStorage.setItem("careconnect:debug", debug.checked ? "1" : "0");
  });

  app.conn.addEventListener("sdk-event", (e) => add(e.detail.type, detail(e.detail)));
  setInterval(poll, POLL_MS);
  return { add, poll };
}

function detailOfFlush(report) {
  const parts = [`${report.applied ?? 0} delivered`, `${report.pending ?? 0} pending`];
  if (report.rejected) parts.push(`${report.rejected} refused`);
  if (report.error) parts.push(report.error);
  return parts.join(", ");
}
