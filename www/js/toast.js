// Short notices in a polite live region, gone after a few seconds.
import { h } from "./dom.js";
import { icon } from "./icons.js";

const ICONS = { success: "check", error: "alert", info: "inbox" };

export function toast(message, kind = "info", ms = 4500) {
  const host = document.getElementById("toasts");
  const el = h(
    "div",
    { class: `toast ${kind}`, testid: "toast", dataset: { kind } },
    icon(ICONS[kind] || "inbox", 18),
    h("span", { text: message }),
  );
  host.append(el);
  setTimeout(() => {
    el.classList.add("leaving");
    setTimeout(() => el.remove(), 300);
  }, ms);
  return el;
}

/** A message for an SDK error: its text, and its `code` when it has one. */
export function describe(err) {
  const message = err?.message || String(err);
  return err?.code ? `${message} (${err.code})` : message;
}
