// The post-call rating screen, shown after a call ends or fails: one to five stars
// and an optional comment become one `rateSession` call for the call just finished.
// Skipping rates nothing; a call can be rated once (the backend refuses a second
// rating), so the screen never offers to rate the same call again.
import { $, clear, h } from "./dom.js";
import { icon } from "./icons.js";
import { describe, toast } from "./toast.js";

const WORDS = ["Very poor", "Poor", "Okay", "Good", "Excellent"];

export function setupRating(app) {
  const form = $("#rating-form");
  const stars = $("#rating-form .stars");
  const comment = $("#rating-comment");
  const error = $("#rating-error");
  const legend = stars.querySelector("legend");
  /** {id, workerName, outcome} of the call being rated, or null. */
  let call = null;
  let busy = false;

  function paint() {
    const chosen = Number(form.elements.rating?.value || 0);
    for (const label of stars.querySelectorAll("label")) {
      label.classList.toggle("on", Number(label.dataset.value) <= chosen);
    }
  }

  clear(stars).append(legend);
  for (let n = 1; n <= 5; n++) {
    const id = `rating-${n}`;
    stars.append(
      h("input", { type: "radio", name: "rating", id, value: String(n), testid: `rating-${n}` }),
      h("label", { for: id, title: WORDS[n - 1], testid: `rating-star-${n}`, dataset: { value: String(n) } }, icon("star", 22), h("span", { class: "visually-hidden", text: `${n} of 5: ${WORDS[n - 1]}` })),
    );
  }
  stars.addEventListener("change", () => {
    error.hidden = true;
    paint();
  });

  function done() {
    call = null;
    app.showPrecall();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!call || busy) return;
    const rating = Number(form.elements.rating.value || 0);
    if (!rating) {
      error.textContent = "Choose from one to five stars, or skip.";
      error.hidden = false;
      stars.querySelector("input")?.focus();
      return;
    }
    busy = true;
    try {
      const client = await app.conn.ready();
      const text = comment.value.trim();
      await client.rateSession({ sessionId: call.id, rating, ...(text ? { comment: text } : {}) });
      toast("Thank you — your rating was saved with this call.", "success");
      app.refresh();
      done();
    } catch (err) {
      error.textContent = describe(err);
      error.hidden = false;
    } finally {
      busy = false;
    }
  });

  $("#skip-rating").addEventListener("click", done);

  return {
    show(finished) {
      call = finished;
      form.reset();
      error.hidden = true;
      paint();
      $("#rating-outcome").textContent = finished.outcome === "failed" ? "Call failed" : "Call ended";
      $("#rating-title").textContent = `How was your call with ${finished.workerName}?`;
      $("#rating").dataset.sessionId = finished.id;
    },
  };
}
