// ipe workbench: shared helpers (written for ipe; no libraries).
"use strict";
const ipe = (() => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const box = document.getElementById("message");
  let timer = null;

  function say(text, kind) {
    box.textContent = text;
    box.className = "message" + (kind ? " " + kind : "");
    box.hidden = false;
    clearTimeout(timer);
    if (kind === "conflict") {  // stays until the user reloads: their edit was not made
      box.append(" ", el("button", { type: "button", text: "Reload", onclick: () => reloadKeepingPlace() }));
      return;
    }
    timer = setTimeout(() => { box.hidden = true; }, kind === "info" ? 2500 : 7000);
  }

  async function request(method, url, body) {
    let response;
    try {
      response = await fetch(url, {
        method, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new Error("The workbench server did not answer; is 'ipe serve' still running?");
    }
    let data = {};
    try { data = await response.json(); } catch (err) { data = {}; }
    if (response.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
    if (!response.ok) {
      const err = new Error(data.error || ("Request failed (" + response.status + ")"));
      err.status = response.status;
      err.conflict = Boolean(data.conflict);
      throw err;
    }
    return data;
  }

  const post = (url, body) => request("POST", url, body || {});
  const get = (url) => request("GET", url);

  function reloadKeepingPlace() {
    sessionStorage.setItem("ipe-scroll:" + location.pathname, String(window.scrollY));
    location.reload();
  }
  const kept = sessionStorage.getItem("ipe-scroll:" + location.pathname);
  if (kept !== null) {
    sessionStorage.removeItem("ipe-scroll:" + location.pathname);
    window.addEventListener("load", () => window.scrollTo(0, Number(kept)));
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest(".memo-form");
    if (!form) return;
    event.preventDefault();
    const text = form.elements.text.value;
    try {
      await post("/api/memos", { kind: form.dataset.kind, target: form.dataset.target, text });
      reloadKeepingPlace();
    } catch (err) { fail(err); }
  });

  // A refused edit: a version conflict (someone changed it since the page was drawn) stays on screen.
  function fail(err) { say(err.message, err.conflict ? "conflict" : ""); }

  return { say, fail, post, get, el, reloadKeepingPlace };
})();
