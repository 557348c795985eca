// The pre-call screen: who you are, who you are seeing, audio/camera/mic choices, and
// "Join Now", which starts the session (stored locally at once, delivered when it can).
import { $, initials } from "./dom.js";
import { describe } from "./toast.js";

const AUDIO_LABEL = { wifi: "Wi-Fi", cellular: "Cellular", headset: "Headset" };

export function setupPrecall(app) {
  const form = $("#precall-form");
  const userId = $("#user-id");
  const workerName = $("#worker-name");
  const workerId = $("#worker-id");
  const audio = $("#audio-option");
  const camera = $("#precall-camera");
  const mic = $("#precall-mic");
  const join = $("#join-now");
  const error = $("#precall-error");

  function preview() {
    $("#preview").dataset.camera = camera.checked ? "on" : "off";
    $("#preview-avatar").textContent = initials(userId.value);
    $("#preview-mic").textContent = mic.checked ? "Mic on" : "Mic off";
    $("#preview-audio").textContent = AUDIO_LABEL[audio.value] || audio.value;
    const name = workerName.value.trim();
    $("#precall-with").textContent = name
      ? `With ${name}. Check your details, then join when you are ready.`
      : "Check your details, then join when you are ready.";
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  async function applyUser() {
    const id = userId.value.trim();
    if (!id) {
      showError("Enter your user ID.");
      return false;
    }
    if (id !== app.conn.userId) {
      localStorage.setItem("careconnect:userId", id);
      await app.switchUser(id);
    }
    return true;
  }

  for (const el of [userId, workerName, audio, camera, mic]) el.addEventListener("input", preview);
  userId.addEventListener("change", () => applyUser().catch((e) => showError(describe(e))));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError("");
    const name = workerName.value.trim();
    if (!name) {
      showError("Enter the support worker's name.");
      workerName.focus();
      return;
    }
    join.disabled = true;
    try {
      if (!(await applyUser())) return;
      // The new user had a call in progress: it was resumed instead.
      if (document.body.dataset.screen === "meeting") return;
      const client = await app.conn.ready();
      const id = await client.startSession({
        supportWorkerName: name,
        supportWorkerId: workerId.value.trim() || undefined,
        audioOption: audio.value,
      });
      if (!camera.checked || !mic.checked) {
        await client.updateSettings({ cameraEnabled: camera.checked, micEnabled: mic.checked, sessionId: id });
      }
      app.showMeeting({
        id,
        workerName: name,
        status: "connecting",
        connectedAtMs: null,
        camera: camera.checked,
        mic: mic.checked,
        issues: [],
      });
      app.refresh();
    } catch (err) {
      showError(describe(err));
    } finally {
      join.disabled = false;
    }
  });

  return {
    show() {
      preview();
      join.disabled = false;
    },
    setUser(id) {
      userId.value = id;
      preview();
    },
  };
}
