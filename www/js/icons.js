// A few stroke icons drawn as inline SVG (no icon font, no network).
import { s } from "./dom.js";

const PATHS = {
  mic: ["M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z", "M19 11a7 7 0 0 1-14 0", "M12 18v3", "M9 21h6"],
  micOff: ["M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3z", "M19 11a7 7 0 0 1-14 0", "M12 18v3", "M9 21h6", "M4 4l16 16"],
  camera: ["M3 7h12v10H3z", "M15 10.5l6-3.5v10l-6-3.5"],
  cameraOff: ["M3 7h12v10H3z", "M15 10.5l6-3.5v10l-6-3.5", "M2 3l19 19"],
  phoneDown: ["M3 14.5c5.2-4.6 12.8-4.6 18 0l-2.2 2.8-3.3-1.2v-2.3a11 11 0 0 0-7 0v2.3l-3.3 1.2z"],
  alert: ["M12 3.5l9.5 16.5h-19z", "M12 10v4.5", "M12 17.2v.3"],
  bolt: ["M13 2L4 14h7l-1 8 9-12h-7z"],
  wifi: ["M2 9a15 15 0 0 1 20 0", "M5 12.5a10 10 0 0 1 14 0", "M8.5 16a5 5 0 0 1 7 0", "M12 19.5v.2"],
  wifiOff: ["M2 9a15 15 0 0 1 20 0", "M5 12.5a10 10 0 0 1 14 0", "M8.5 16a5 5 0 0 1 7 0", "M12 19.5v.2", "M3 3l18 18"],
  heart: ["M12 20s-7.5-4.4-7.5-10A4.3 4.3 0 0 1 12 7.4 4.3 4.3 0 0 1 19.5 10c0 5.6-7.5 10-7.5 10z"],
  clock: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M12 7v5l3 2"],
  check: ["M4 12.5l5 5L20 6.5"],
  x: ["M6 6l12 12", "M18 6L6 18"],
  inbox: ["M3 13l3-8h12l3 8", "M3 13v6h18v-6", "M3 13h5l1.5 2.5h5L16 13h5"],
  screen: ["M3 4h18v12H3z", "M8 20h8", "M12 16v4", "M12 13V7", "M9 10l3-3 3 3"],
  screenOff: ["M3 4h18v12H3z", "M8 20h8", "M12 16v4", "M3 3l18 18"],
  star: ["M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z"],
  refresh: ["M20 11a8 8 0 1 0-2.3 5.7", "M20 4v7h-7"],
};

/** An `<svg>` icon; decorative (aria-hidden) — the button carries the label. */
export function icon(name, size = 20) {
  return s(
    "svg",
    {
      class: "icon",
      width: size,
      height: size,
      viewBox: "0 0 24 24",
      fill: "none",
      stroke: "currentColor",
      "stroke-width": 2,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "aria-hidden": "true",
      focusable: "false",
    },
    (PATHS[name] || []).map((d) => s("path", { d })),
  );
}
