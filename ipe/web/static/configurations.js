// ipe workbench: the configurations page. Promote or dismiss a candidate, unlink evidence.
"use strict";
(() => {
  const detail = document.getElementById("detail");
  if (!detail || detail.dataset.write !== "yes") return;
  async function act(url, body) {
    try { await ipe.post(url, body); ipe.reloadKeepingPlace(); } catch (err) { ipe.say(err.message); }
  }
  detail.addEventListener("click", (e) => {
    const unlink = e.target.closest("[data-unlink]");
    if (unlink) { act("/api/evidence/" + unlink.dataset.unlink + "/unlink"); return; }
    const box = e.target.closest(".candidate");
    if (!box) return;
    const why = box.querySelector("input").value;
    if (e.target.closest("[data-promote]")) {
      act("/api/evidence/promote", { key: box.dataset.key, relation: box.querySelector("select").value, rationale: why });
    } else if (e.target.closest("[data-dismiss]")) {
      act("/api/evidence/dismiss", { key: box.dataset.key, note: why });
    }
  });
})();
