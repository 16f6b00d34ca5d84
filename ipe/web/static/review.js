// ipe workbench: the review queue. A accept, R reject, S skip, B back.
"use strict";
(() => {
  const page = document.getElementById("review");
  if (!page || !page.dataset.coding || page.dataset.write !== "yes") return;
  const queue = page.dataset.queue;
  let busy = false;

  function go(id) {
    const url = new URL("/review", location.origin);
    if (queue) url.searchParams.set("coder", queue);
    if (id) url.searchParams.set("at", id);
    location.assign(url);
  }
  async function decide(decision) {
    if (busy) return;
    busy = true;
    try {
      const result = await ipe.post("/api/review", { coding: Number(page.dataset.coding), decision, queue });
      if (result.next !== null && result.next !== undefined) go(result.next);
      else location.reload();
    } catch (err) { ipe.say(err.message); busy = false; }
  }
  function skip() { if (page.dataset.next) go(page.dataset.next); }
  function back() { history.back(); }

  document.querySelectorAll("[data-decision]").forEach((b) => b.addEventListener("click", () => decide(b.dataset.decision)));
  document.querySelector('[data-move="skip"]').addEventListener("click", skip);
  document.querySelector('[data-move="back"]').addEventListener("click", back);
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest("input, textarea, select")) return;
    const key = e.key.toLowerCase();
    if (key === "a") decide("accept");
    else if (key === "r") decide("reject");
    else if (key === "s" || e.key === "ArrowRight") skip();
    else if (key === "b" || e.key === "ArrowLeft") back();
    else return;
    e.preventDefault();
  });
})();
