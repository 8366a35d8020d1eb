// opsdrill live: polls the view's state and renders it with textContent only (nothing is parsed
// as HTML); on the interviewer's view, sends its actions. Served as a file: no inline script.
"use strict";
(() => {
  const api = document.body.dataset.api;
  const interviewer = document.body.dataset.role === "interviewer";
  const byId = (id) => document.getElementById(id);
  const minutes = (s) => `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  const when = (at) => new Date(at * 1000).toLocaleTimeString();

  function item(text, className) {
    const li = document.createElement("li");
    li.textContent = text;
    if (className) li.className = className;
    return li;
  }

  function button(text, data) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    Object.assign(b.dataset, data);
    return b;
  }

  function showRun(listId, whenId, run, titles) {
    const list = byId(listId);
    if (!list) return;
    if (!run) {
      byId(whenId).textContent = "not run yet";
      list.replaceChildren();
      return;
    }
    byId(whenId).textContent = run.problem ? `last run ${when(run.at)}: ${run.problem}` : `last run ${when(run.at)}`;
    list.replaceChildren(...Object.entries(run.statuses).map(
      ([check, status]) => item(`${titles[check] || check}: ${status}`, status)));
  }

  function render(s) {
    document.title = (interviewer ? "Interviewer: " : "") + s.exercise;
    byId("title").textContent = s.exercise + (s.finished ? " (finished)" : "");
    byId("elapsed").textContent = minutes(s.elapsed_s);
    byId("budget").textContent = minutes(s.budget_s);
    byId("elapsed").className = s.elapsed_s > s.budget_s ? "over" : "";
    showRun("public", "public-when", s.public, {});
    if (!interviewer) {
      byId("hints").replaceChildren(...s.hints.map((text) => item(text)));
      return;
    }
    byId("running").textContent = s.running ? `running: ${s.running} checks` : "";
    showRun("hidden", "hidden-when", s.hidden, s.checks);
    byId("hint-list").replaceChildren(...s.hint_list.map((h) => {
      const li = item(`${h.text} (cost ${h.cost} points) `, h.released ? "released" : "");
      li.append(h.released ? "released" : button("Release", { action: "hint", id: h.id }));
      return li;
    }));
    byId("notes").replaceChildren(...s.notes.map((n) => item(`${when(n.at)}: ${n.text}`)));
    byId("manual").replaceChildren(...s.manual.map((m) => {
      const box = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = m.title + (m.score === null ? " (not scored)" : ` (${m.score} / 3)`);
      box.append(legend);
      for (const [score, anchor] of Object.entries(m.anchors)) {
        const b = button(`${score}: ${anchor}`, { action: "manual", id: m.id, score });
        if (String(m.score) === score) b.className = "chosen";
        box.append(b);
      }
      return box;
    }));
    const state = byId("finish-state");
    if (s.packet) {
      const link = document.createElement("a");
      link.href = s.packet;
      link.id = "packet-link";
      link.textContent = "open the candidate packet";
      state.replaceChildren("Finished: ", link);
    } else {
      state.textContent = s.pending.includes("finish") || s.running === "finish" ? "grading..." : s.finish_problem;
    }
  }

  async function refresh() {
    const response = await fetch(`${api}/state`, { cache: "no-store" });
    if (response.ok) render(await response.json());
  }

  async function send(path, body) {
    const response = await fetch(api + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({ detail: response.statusText }));
      byId("finish-state").textContent = answer.detail;
    }
    await refresh();
  }

  if (interviewer) {
    document.addEventListener("click", (event) => {
      const target = event.target.closest("button");
      if (!target) return;
      const { action, id, score } = target.dataset;
      if (action === "hint") send(`/hints/${encodeURIComponent(id)}`);
      else if (action === "manual") send(`/manual/${encodeURIComponent(id)}`, { score: Number(score) });
      else if (target.id === "run-hidden") send("/run/hidden");
      else if (target.id === "finish") send("/run/finish");
      else if (target.id === "add-note") {
        const text = byId("note-text");
        if (text.value.trim()) send("/notes", { text: text.value }).then(() => { text.value = ""; });
      }
    });
  }
  refresh();
  setInterval(refresh, 2000);
})();
