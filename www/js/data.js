// Values from the SDK, made plain: serde-wasm-bindgen may hand back Maps for objects.

export function toPlain(value) {
  if (value instanceof Map) {
    const out = {};
    for (const [k, v] of value) out[k] = toPlain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

/** The id the SDK accepts for a session: its client id, else the backend's `_id`. */
export function sessionKey(session) {
  return session.clientSessionId || session._id;
}

export const STATUS_LABEL = {
  connecting: "Waiting",
  connected: "In progress",
  reconnecting: "Reconnecting",
  ended: "Completed",
  failed: "Failed",
};
