// ipe workbench: the source page. Selection -> code picker -> coding; click a coding -> its details.
"use strict";
(() => {
  const workspace = document.getElementById("workspace");
  const transcript = document.getElementById("transcript");
  const sourceId = workspace.dataset.source;
  const codes = JSON.parse(document.getElementById("codes-data").textContent);
  let codings = JSON.parse(document.getElementById("codings-data").textContent);
  let segs = [], segStart = [], textLength = 0;
  const cpCache = new Map();
  const points = (i) => {  // a segment's text as code points: offsets are code points, JS strings are UTF-16
    if (!cpCache.has(i)) cpCache.set(i, Array.from(segs[i].textContent));
    return cpCache.get(i);
  };
  function reindex() {  // after the transcript is drawn (again): its segments and their offsets
    segs = Array.from(transcript.querySelectorAll("[data-s]"));
    segStart = segs.map((s) => Number(s.dataset.s));
    cpCache.clear();
    textLength = segs.length ? segStart[segs.length - 1] + points(segs.length - 1).length : 0;
  }
  reindex();

  // -- offsets of a DOM selection --------------------------------------------------------------------------
  function offsetOf(node, off) {
    if (node.nodeType === Node.TEXT_NODE) {
      const span = node.parentElement && node.parentElement.closest("[data-s]");
      if (span && transcript.contains(span)) {
        return Number(span.dataset.s) + Array.from(node.data.slice(0, off)).length;
      }
    }
    const here = document.createRange();
    here.setStart(node, off);
    for (let i = 0; i < segs.length; i++) if (here.comparePoint(segs[i], 0) >= 0) return segStart[i];
    return textLength;
  }
  function textBetween(start, end) {
    const out = [];
    for (let i = 0; i < segs.length; i++) {
      const s = segStart[i];
      const cps = points(i);
      if (s >= end) break;
      if (s + cps.length <= start) continue;
      out.push(cps.slice(Math.max(0, start - s), Math.min(cps.length, end - s)).join(""));
    }
    return out.join("");
  }
  function currentSelection() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) return null;
    const range = sel.getRangeAt(0);
    if (!transcript.contains(range.commonAncestorContainer)) return null;
    const start = offsetOf(range.startContainer, range.startOffset);
    const end = offsetOf(range.endContainer, range.endOffset);
    if (end <= start) return null;
    const quote = textBetween(start, end);
    if (!quote.trim()) return null;
    return { start, end, quote, rect: range.getBoundingClientRect() };
  }

  // -- layers ----------------------------------------------------------------------------------------------
  document.querySelectorAll("input[data-layer]").forEach((box) => {
    box.addEventListener("change", () => {
      document.body.classList.toggle("hide-" + box.dataset.layer, !box.checked);
      const url = new URL(location.href);
      url.searchParams.delete("layer");
      document.querySelectorAll("input[data-layer]:checked").forEach((b) => url.searchParams.append("layer", b.dataset.layer));
      history.replaceState(null, "", url);
    });
  });

  // -- the code picker -------------------------------------------------------------------------------------
  const picker = document.getElementById("picker");
  const filter = document.getElementById("picker-filter");
  const list = document.getElementById("picker-list");
  const def = document.getElementById("picker-def");
  let pending = null;
  let shown = [];
  let chosen = 0;

  function drawDefinition(code) {
    def.replaceChildren();
    if (!code) return;
    const dl = ipe.el("dl", {});
    for (const [label, value] of [["Definition", code.description], ["Include", code.include], ["Exclude", code.exclude]]) {
      if (value) dl.append(ipe.el("dt", { text: label }), ipe.el("dd", { text: value }));
    }
    def.append(ipe.el("h3", { text: code.name }), ipe.el("div", { class: "type", text: code.type + " · " + code.id }), dl);
  }
  function drawList() {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    shown = codes.filter((c) => words.every((w) => (c.id + " " + c.name).toLowerCase().includes(w)));
    chosen = Math.min(chosen, Math.max(0, shown.length - 1));
    list.replaceChildren(...shown.map((c, i) => {
      const li = ipe.el("li", { role: "option", "aria-selected": String(i === chosen), "data-code": c.id },
        ipe.el("span", { class: "dot k" + c.k }), ipe.el("span", { class: "cid", text: c.id }),
        ipe.el("span", { class: "cname", text: c.name }));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); chosen = i; apply(); });
      li.addEventListener("mousemove", () => { if (chosen !== i) { chosen = i; mark(); } });
      return li;
    }));
    mark();
  }
  function mark() {
    Array.from(list.children).forEach((li, i) => li.setAttribute("aria-selected", String(i === chosen)));
    const li = list.children[chosen];
    if (li) li.scrollIntoView({ block: "nearest" });
    drawDefinition(shown[chosen]);
  }
  function openPicker(selection) {
    pending = selection;
    const quote = selection.quote.replace(/\s+/g, " ").trim();
    document.getElementById("picker-quote").textContent = "“" + (quote.length > 160 ? quote.slice(0, 157) + "…" : quote) + "”";
    filter.value = "";
    chosen = 0;
    drawList();
    picker.hidden = false;
    const width = picker.offsetWidth, height = picker.offsetHeight;
    let top = selection.rect.bottom + 8;
    if (top + height > window.innerHeight - 8) top = Math.max(56, selection.rect.top - height - 8);
    const left = Math.min(Math.max(8, selection.rect.left), window.innerWidth - width - 8);
    picker.style.top = top + "px";
    picker.style.left = left + "px";
    filter.focus();
  }
  function closePicker() { picker.hidden = true; pending = null; }
  async function apply() {
    const code = shown[chosen];
    if (!code || !pending) return;
    const body = { source: sourceId, start: pending.start, end: pending.end, code: code.id, quote: pending.quote };
    closePicker();
    try {
      await ipe.post("/api/codings", body);
      ipe.reloadKeepingPlace();
    } catch (err) { ipe.fail(err); }
  }
  filter.addEventListener("input", () => { chosen = 0; drawList(); });
  filter.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { chosen = Math.min(chosen + 1, shown.length - 1); mark(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { chosen = Math.max(chosen - 1, 0); mark(); e.preventDefault(); }
    else if (e.key === "Enter") { e.preventDefault(); apply(); }
    else if (e.key === "Escape") { closePicker(); }
  });
  document.addEventListener("mousedown", (e) => { if (!picker.hidden && !picker.contains(e.target)) closePicker(); });

  // -- selecting and clicking in the transcript ---------------------------------------------------------------
  let lastSelection = null;
  transcript.addEventListener("mouseup", () => {
    setTimeout(() => {
      const selection = currentSelection();
      if (selection) { lastSelection = selection; if (workspace.dataset.write === "yes") openPicker(selection); }
    }, 0);
  });
  const linkForm = document.getElementById("link-form");
  const linkSelected = document.getElementById("link-selected");
  document.addEventListener("selectionchange", () => {
    const selection = currentSelection();
    if (selection) {
      lastSelection = selection;
      if (linkSelected) {
        const quote = selection.quote.replace(/\s+/g, " ").trim();
        linkSelected.textContent = "“" + (quote.length > 200 ? quote.slice(0, 197) + "…" : quote) + "”";
      }
    }
  });
  if (linkForm) {
    linkForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!lastSelection) { ipe.say("Select the passage in the text first."); return; }
      const pick = (selector) => linkForm.querySelector(selector);
      const config = pick("select[name=config]").value;
      const elements = Array.from(linkForm.querySelectorAll("input[name=elements]:checked")).map((b) => b.value);
      try {
        const made = await ipe.post("/api/evidence/link", {
          config, relation: pick("input[name=relation]:checked").value, elements,
          rationale: pick("textarea[name=rationale]").value, source: sourceId,
          start: lastSelection.start, end: lastSelection.end, quote: lastSelection.quote });
        ipe.say("Linked " + made.ref + " to " + config + " as evidence.", "info");
        pick("textarea[name=rationale]").value = "";
      } catch (err) { ipe.say(err.message); }
    });
  }
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select") || !picker.hidden) return;
    if (e.key === "c" && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const selection = currentSelection();
      if (selection) { e.preventDefault(); openPicker(selection); }
    }
  });
  transcript.addEventListener("click", (e) => {
    const chip = e.target.closest(".chip");
    if (chip) { showCodings(chip.dataset.ids.split(" ").map(Number)); chip.classList.add("sel"); return; }
    const memo = e.target.closest(".tmemo");
    if (memo) { showTurnMemo(Number(memo.dataset.turn)); return; }
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const span = e.target.closest(".h");
    if (span) showCodings(span.dataset.c.split(" ").map(Number), span);
  });

  // -- the details panel ---------------------------------------------------------------------------------
  const detail = document.getElementById("detail");
  const detailList = document.getElementById("detail-list");
  function visible(id) {
    const row = codings[id];
    return row && !document.body.classList.contains("hide-" + row[2]);
  }
  async function showCodings(ids, span) {
    document.querySelectorAll(".picked, .chip.sel").forEach((n) => n.classList.remove("picked", "sel"));
    if (span) span.classList.add("picked");
    ids = ids.filter(visible);
    detail.hidden = false;
    detailList.replaceChildren(ipe.el("p", { class: "muted", text: ids.length ? "Loading…" : "No visible codings here." }));
    const cards = [];
    for (const id of ids) {
      try { cards.push(card((await ipe.get("/api/coding/" + id)).coding)); } catch (err) { ipe.say(err.message); }
    }
    detailList.replaceChildren(...cards);
    detail.scrollIntoView({ block: "nearest" });
  }
  function card(c) {
    const k = (codes.find((x) => x.id === c.code) || { k: 0 }).k;
    const actions = ipe.el("div", { class: "actions" });
    if (c.mine && workspace.dataset.write === "yes") {
      actions.append(
        ipe.el("button", { type: "button", class: "danger", text: "Remove", onclick: () => act("/api/codings/" + c.id + "/remove", { version: c.version }) }),
        ipe.el("button", { type: "button", text: "Move ends to selection", title: "Select the new extent in the text first",
          onclick: () => {
            if (!lastSelection) { ipe.say("Select the new extent of the coding in the text first."); return; }
            act("/api/codings/" + c.id + "/move", { start: lastSelection.start, end: lastSelection.end, quote: lastSelection.quote, version: c.version });
          } }));
    } else if ((c.layer === "auto" || c.layer === "suggestion") && workspace.dataset.write === "yes") {
      actions.append(
        ipe.el("button", { type: "button", text: "Accept", onclick: () => act("/api/review", { coding: c.id, decision: "accept", version: c.version }) }),
        ipe.el("button", { type: "button", text: "Reject", onclick: () => act("/api/review", { coding: c.id, decision: "reject", version: c.version }) }));
    }
    const memos = ipe.el("div", {}, ...c.memos.map((m) => ipe.el("p", { class: "memo" }, ipe.el("b", { text: m.author + " " }), m.text)));
    let memoForm = null;
    if (workspace.dataset.write === "yes") {
      memoForm = ipe.el("form", { class: "memo-form", "data-kind": "coding", "data-target": String(c.id) },
        ipe.el("textarea", { name: "text", rows: "2", placeholder: "Memo on this coding…", "aria-label": "Memo on this coding" }),
        ipe.el("button", { type: "submit", text: "Add memo" }));
    }
    return ipe.el("div", { class: "coding-card k" + k, "data-id": String(c.id) },
      ipe.el("div", { class: "title", text: c.code + " · " + c.code_name }),
      ipe.el("div", { class: "meta", text: (c.mine ? "you (" + c.coder + ")" : c.coder) + " · " + c.provenance + " · " + c.ref }),
      ipe.el("blockquote", { text: c.quote }), memos, actions, memoForm);
  }
  async function act(url, body) {
    try { await ipe.post(url, body); ipe.reloadKeepingPlace(); } catch (err) { ipe.fail(err); }
  }
  function showTurnMemo(n) {
    if (workspace.dataset.write !== "yes") return;
    detail.hidden = false;
    const form = ipe.el("form", { class: "memo-form", "data-kind": "turn", "data-target": sourceId + "#" + n },
      ipe.el("textarea", { name: "text", rows: "3", placeholder: "Memo on turn " + n + "…", "aria-label": "Memo on turn " + n }),
      ipe.el("button", { type: "submit", text: "Add memo to turn " + n }));
    detailList.replaceChildren(form);
    form.elements.text.focus();
  }

  // -- live: other coders' changes drawn in without a reload ------------------------------------------------
  // The server answers a poll with what changed since the position this page was drawn at, as this user may see
  // it (nothing of another coder's in blind mode), and the layers redrawn when anything did.
  const POLL_MS = 2000;
  let since = Number(workspace.dataset.since || 0);
  let polling = false;
  async function poll() {
    if (polling || document.hidden || !picker.hidden || !window.getSelection().isCollapsed) return;
    polling = true;
    try {
      const news = await ipe.get("/api/source/" + encodeURIComponent(sourceId) + "/changes?since=" + since);
      since = news.since;
      if (news.changes.length) {
        transcript.innerHTML = news.transcript;  // built and escaped by the server, as on the first drawing
        codings = news.codings;
        reindex();
        for (const [layer, n] of Object.entries(news.counts)) {
          const count = document.querySelector('[data-count="' + layer + '"]');
          if (count) count.textContent = String(n);
        }
        const who = Array.from(new Set(news.changes.map((c) => c.actor).filter(Boolean))).join(", ");
        ipe.say("Updated: " + news.changes.length + " change" + (news.changes.length > 1 ? "s" : "") + (who ? " by " + who : ""), "info");
      }
    } catch (err) { /* a missed poll is retried at the next tick */ }
    finally { polling = false; }
  }
  setInterval(poll, POLL_MS);

  // -- arriving at a place (from the agreement page) --------------------------------------------------------
  const focus = workspace.dataset.focus.match(/^(\d+)-(\d+)$/);
  if (focus) {
    const [start, end] = [Number(focus[1]), Number(focus[2])];
    let first = null;
    const ids = new Set();
    segs.forEach((s, i) => {
      const a = segStart[i], b = a + points(i).length;
      if (a < end && b > start && !s.closest(".hid")) {
        s.classList.add("focus");
        if (!first) first = s;
        (s.dataset.c || "").split(" ").filter(Boolean).forEach((id) => {
          const row = codings[id];
          if (row && (!workspace.dataset.focusCode || row[0] === workspace.dataset.focusCode)) ids.add(Number(id));
        });
      }
    });
    if (first) first.scrollIntoView({ block: "center" });
    showCodings(Array.from(ids));
  }
})();
