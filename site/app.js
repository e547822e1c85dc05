// flinkdx viewer. Two ways to reach the analysis API (forensics/api), with
// the same requests and responses:
//   - server: "flinkdx view" or a Cloudflare Worker answers /api/v1/…;
//   - browser: no server answers, so the API's WebAssembly build runs in a
//     Web Worker (worker.js) and nothing leaves the machine.
// Log text is only ever put into the page as text (textContent), never as
// HTML.

import { renderCharts, setRange } from "./charts.js";

const $ = (id) => document.getElementById(id);

// h makes an HTML element with attributes and text (never HTML).
const h = (tag, attrs = {}, text = "") => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
};
const SVG = "http://www.w3.org/2000/svg";

const state = {
  mode: "browser",
  files: [],        // the case's files: [{name, file}]
  preloaded: false, // "flinkdx view" started on a case
  result: null,
  sort: { key: "severity", asc: false },
  domain: null,     // [from, to] ms shown on the timeline
  selected: null,
  job: null,        // the request in flight: {cancel}
  contextJob: null, // the context pass in flight: {cancel}
  redraw: null,     // draws the evidence panel again (when the context comes)
  settings: null,   // GET api/v1/settings: {tz, thresholds: [{name, default, help, value}]}
};

const severityRank = { critical: 3, warning: 2, info: 1 };

// ---- transport -----------------------------------------------------------

async function detectMode() {
  try {
    const res = await fetch("api/v1/version");
    const v = res.ok && (res.headers.get("Content-Type") || "").startsWith("application/json") ? await res.json() : null;
    if (v && v.api === "v1") {
      state.mode = "server";
      $("mode").textContent = `API ${v.api}, flinkdx ${v.version}, served from this machine`;
      if (v.preloaded) {
        state.preloaded = true;
        const r = await fetch("api/v1/preloaded");
        show(await r.json());
      }
      return;
    }
  } catch (e) { /* no server: the browser does the work */ }
  state.mode = "browser";
  $("mode").textContent = "running in your browser (WebAssembly)";
}

// request sends the case's files (after the form fields, if any) to an
// API route; it resolves to {status, text} or {status, blob} and reports
// progress. Its cancel goes into state[slot].
function request(route, files, onProgress, fields = {}, slot = "job") {
  const total = files.reduce((n, f) => n + f.file.size, 0);
  if (state.mode === "server") {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      for (const f of files) form.append("file", f.file, f.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "api/v1/" + route + settingsQuery());
      xhr.responseType = route === "export" ? "blob" : "text";
      xhr.upload.onprogress = (e) => onProgress(e.loaded, total);
      xhr.onload = () => resolve(route === "export" && xhr.status === 200
        ? { status: xhr.status, blob: xhr.response }
        : { status: xhr.status, text: route === "export" ? null : xhr.responseText });
      xhr.onerror = () => reject(new Error("the request failed"));
      xhr.onabort = () => reject(new Error("cancelled"));
      state[slot] = { cancel: () => xhr.abort() };
      xhr.send(form);
    });
  }
  return new Promise((resolve, reject) => {
    const worker = new Worker("worker.js", { type: "module" });
    state[slot] = { cancel: () => { worker.terminate(); reject(new Error("cancelled")); } };
    worker.onmessage = ({ data }) => {
      if (data.kind === "progress") onProgress(data.sent, total);
      else if (data.kind === "error") { worker.terminate(); reject(new Error(data.message)); }
      else if (data.kind === "done") { worker.terminate(); resolve(data); }
    };
    worker.onerror = (e) => { worker.terminate(); reject(new Error(e.message || "the WebAssembly worker failed")); };
    worker.postMessage({ route, files, fields, query: settingsQuery() });
  });
}

// ---- settings ------------------------------------------------------------

// loadSettings asks the API which settings an analysis takes (every
// detector's thresholds, from their specs, and the time zone) and makes a
// field of each; a field changed from the host's value is sent with each
// request as a query parameter (?pause-spike=2s&tz=Europe/Berlin).
async function loadSettings() {
  let text;
  try {
    if (state.mode === "server") {
      const r = await fetch("api/v1/settings");
      if (!r.ok) return;
      text = await r.text();
    } else {
      text = await new Promise((resolve, reject) => {
        const worker = new Worker("worker.js", { type: "module" });
        worker.onmessage = ({ data }) => { worker.terminate(); data.kind === "done" ? resolve(data.text) : reject(new Error(data.message)); };
        worker.onerror = (e) => { worker.terminate(); reject(new Error(e.message)); };
        worker.postMessage({ route: "settings", method: "GET" });
      });
    }
  } catch (e) {
    return; // an older host: no settings panel
  }
  const s = JSON.parse(text);
  state.settings = s;
  const box = $("settings-fields");
  box.replaceChildren();
  // What was set on this page before, remembered by the browser.
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem(settingsKey) || "{}"); } catch (e) { /* none */ }
  const field = (name, value, help) => {
    const label = document.createElement("label");
    label.title = help;
    const span = document.createElement("span");
    span.textContent = name;
    const input = document.createElement("input");
    input.name = name;
    input.value = value;
    input.dataset.initial = value;
    if (saved[name] !== undefined) input.value = saved[name];
    input.classList.toggle("changed", input.value !== input.dataset.initial);
    input.addEventListener("input", () => { input.classList.toggle("changed", input.value !== input.dataset.initial); settingsChanged(); });
    label.append(span, input);
    box.append(label);
  };
  field("tz", s.tz, "time zone of log timestamps that carry none (IANA name, e.g. Europe/Berlin)");
  field("severity", s.severity || "", "override rules' severities, as --severity: rule=info|warning|critical|off, comma-separated (e.g. checkpoint.expired=info)");
  field("layout", s.layout || "", "the log4j/logback PatternLayout the Flink logs were written with, when they are not read (e.g. %d{HH:mm:ss.SSS} [%thread] %-5level %logger - %msg%n)");
  for (const t of s.thresholds) field(t.name, t.value, `${t.help} (default ${t.default})`);
  settingsChanged();
}

const settingsKey = "flinkdx.settings";

// settingsChanged counts the settings changed from the host's values and
// remembers them in the browser.
function settingsChanged() {
  const changed = [...$("settings-fields").querySelectorAll("input.changed")];
  $("settings-changed").textContent = changed.length ? `(${changed.length} changed)` : "";
  try {
    localStorage.setItem(settingsKey, JSON.stringify(Object.fromEntries(changed.map((i) => [i.name, i.value]))));
  } catch (e) { /* storage off: the settings last as long as the page */ }
}

// settingsQuery is the query string of the settings changed from the
// host's values ("" if none).
function settingsQuery() {
  const q = new URLSearchParams();
  for (const input of $("settings-fields").querySelectorAll("input")) {
    if (input.value.trim() !== "" && input.value !== input.dataset.initial) q.set(input.name, input.value.trim());
  }
  const text = q.toString();
  return text ? "?" + text : "";
}

// analyze adds files to the case and analyses it again: files dropped one
// after another make one case (a file of the same name replaces the one
// before). A dataset, or files dropped on a case "flinkdx view" was
// started with (whose files the page does not hold), start a new case.
async function analyze(files) {
  if (!files.length) return;
  if (state.contextJob) state.contextJob.cancel();
  const alone = isDataset(files) || await isDatasetZip(files);
  if (!state.preloaded && !alone && !state.alone) {
    const names = new Set(files.map((f) => f.name));
    files = [...state.files.filter((f) => !names.has(f.name)), ...files];
  }
  state.files = files;
  state.alone = alone;
  state.preloaded = false;
  const start = performance.now();
  setError("");
  $("progress").hidden = false;
  $("cancel").hidden = false;
  const onProgress = (sent, total) => {
    sent = Math.min(sent, total); // the multipart framing is counted too: never past 100 %
    const secs = (performance.now() - start) / 1000;
    $("bar").value = total ? sent / total : 0;
    const rate = sent / Math.max(secs, 0.001);
    $("progress-text").textContent = `${mib(sent)} of ${mib(total)} read, ` +
      (rate >= 1e6 ? `${(rate / 1e6).toFixed(1)} MB/s` : `${(rate / 1e3).toFixed(1)} kB/s`);
    $("progress-text").title = `${sent} of ${total} bytes`;
    if (total && sent >= total) {
      // Every byte is in: what is left is the analysis, of no known length.
      $("bar").removeAttribute("value");
      $("progress-text").textContent = `${mib(total)} read; analysing…`;
      document.body.dataset.analysis = "analysing";
    }
  };
  onProgress(0, files.reduce((n, f) => n + f.file.size, 0));
  try {
    const route = isDataset(files) ? "dataset" : "analyze";
    const res = await request(route, files, onProgress);
    const body = JSON.parse(res.text);
    if (res.status !== 200) throw new Error(body.error || `status ${res.status}`);
    $("progress-text").textContent = `${files.length} file${files.length === 1 ? "" : "s"}, ${mib(files.reduce((n, f) => n + f.file.size, 0))}, analysed in ${((performance.now() - start) / 1000).toFixed(1)} s`;
    $("cancel").hidden = true;
    $("bar").value = 1;
    document.body.dataset.analysis = "done";
    show(body);
    if (body.context === null) loadContext(files, body);
  } catch (e) {
    setError(e.message);
  } finally {
    state.job = null;
  }
}

// loadContext fills in the lines around each cited log line. The browser's
// analysis module keeps no dataset to read them from, so they come from a
// second pass over the same files, which only parses; the findings are
// shown meanwhile, and the evidence panel is drawn again when they come.
async function loadContext(files, result) {
  // The lines a result's context holds: what findings cite, and the job
  // state changes on the timeline (api.contextKeys).
  const keys = new Set();
  for (const f of result.findings) {
    for (const e of f.evidence || []) if (e.table === "logs" && e.line) keys.add(`${e.source}:${e.line}`);
  }
  for (const s of (result.timeline && result.timeline.states) || []) if (s.line) keys.add(`${s.source}:${s.line}`);
  result.context = {};
  if (!keys.size) return;
  result.contextPending = true;
  document.body.dataset.context = "reading";
  try {
    const res = await request("context", files, () => {}, { at: [...keys].join("\n") }, "contextJob");
    const body = JSON.parse(res.text);
    if (res.status !== 200) throw new Error(body.error || `status ${res.status}`);
    result.context = body.context;
  } catch (e) {
    if (state.result === result && e.message !== "cancelled") setError("context of the evidence: " + e.message);
  } finally {
    result.contextPending = false;
    if (state.result === result) {
      document.body.dataset.context = "read";
      state.contextJob = null;
      if (state.redraw) state.redraw();
    }
  }
}

// isDataset: the files are a dataset written by "flinkdx ingest" (or
// exported by this page), to be scanned rather than ingested.
function isDataset(files) {
  return files.some((f) => /(^|\/)manifest\.json$/.test(f.name)) && files.some((f) => f.name.endsWith(".parquet"));
}

// isDatasetZip: a zip holding a dataset (this page's export, a shared
// dataset): its central directory, at the end, names manifest.json.
async function isDatasetZip(files) {
  if (files.length !== 1 || !/\.zip$/i.test(files[0].name)) return false;
  const f = files[0].file;
  const tail = new Uint8Array(await f.slice(Math.max(0, f.size - 65536)).arrayBuffer());
  return new TextDecoder("latin1").decode(tail).includes("manifest.json");
}

async function exportDataset() {
  try {
    let blob;
    if (state.preloaded) {
      const r = await fetch("api/v1/preloaded/export");
      if (!r.ok) throw new Error((await r.json()).error);
      blob = await r.blob();
    } else {
      const res = await request("export", state.files, () => {});
      if (res.status !== 200 || !res.blob) throw new Error(res.text ? JSON.parse(res.text).error : `status ${res.status}`);
      blob = res.blob;
    }
    download(blob, "flinkdx-dataset.zip");
  } catch (e) {
    setError(e.message);
  }
}

function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// ---- files ---------------------------------------------------------------

async function filesFromDrop(dt) {
  const out = [];
  const entries = [...dt.items].map((it) => it.webkitGetAsEntry && it.webkitGetAsEntry()).filter(Boolean);
  if (!entries.length) return [...dt.files].map((file) => ({ name: file.name, file }));
  async function walk(entry, prefix) {
    if (entry.isFile) {
      const file = await new Promise((res, rej) => entry.file(res, rej));
      out.push({ name: prefix + entry.name, file });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e, prefix + entry.name + "/");
      }
    }
  }
  for (const e of entries) await walk(e, "");
  return out;
}

function filesFromInput(input) {
  return [...input.files].map((file) => ({ name: file.webkitRelativePath || file.name, file }));
}

// ---- rendering -----------------------------------------------------------

function show(result) {
  state.result = result;
  state.selected = null;
  state.redraw = null;
  const t = result.timeline;
  state.domain = t && t.end_ms > t.start_ms ? [t.start_ms, t.end_ms] : null;
  $("case").hidden = false;
  const m = result.manifest.totals;
  const bySev = {};
  for (const f of result.findings) bySev[f.severity] = (bySev[f.severity] || 0) + 1;
  $("summary").textContent = `${m.inputs} inputs, ${m.streams} streams, ${m.lines} lines: ${m.events} events, ` +
    `${m.unparsed} lines no parser understood (kept). Findings: ${bySev.critical || 0} critical, ` +
    `${bySev.warning || 0} warning, ${bySev.info || 0} info.` +
    (result.manifest.redaction === "kept" ? " Secrets were kept (--no-redact): share with care."
      : ` Secrets masked: ${m.redacted || 0}.`);
  const rules = [...new Set(result.findings.map((f) => f.rule))].sort();
  const sel = $("f-rule");
  sel.replaceChildren(new Option("all", ""), ...rules.map((r) => new Option(r, r)));
  state.incident = null;
  renderIncidents();
  renderFindings();
  renderTimeline();
  renderCharts($("charts"), result, state.domain, h);
  $("evidence-body").replaceChildren();
}

// spansDays: the case spans more than a day, so times show their date.
function spansDays() {
  const t = state.result && state.result.timeline;
  return !!t && t.end_ms - t.start_ms > 86400000;
}

// renderIncidents puts what happened first: a card per incident, its
// verdict and what to do; clicking one marks its findings and opens the
// evidence of its root cause.
function renderIncidents() {
  const box = $("incidents");
  const incidents = state.result.incidents || [];
  const h = document.createElement("h2");
  h.textContent = incidents.length ? `What happened: ${incidents.length} incident${incidents.length > 1 ? "s" : ""}` : "What happened: no incident";
  const cards = incidents.map((inc, k) => {
    const card = document.createElement("div");
    card.className = "incident sev-" + inc.severity;
    card.dataset.index = k;
    const title = document.createElement("strong");
    title.textContent = `${k + 1}. ${inc.severity.toUpperCase()}${inc.start_ms ? " " + when(inc.start_ms) : ""}`;
    const verdict = document.createElement("p");
    verdict.className = "verdict";
    verdict.textContent = inc.verdict;
    const todo = document.createElement("p");
    todo.className = "do";
    todo.textContent = "Do: " + inc.remedy;
    card.append(title, verdict, todo);
    card.onclick = () => {
      state.incident = state.incident === k ? null : k;
      for (const c of box.querySelectorAll(".incident")) c.classList.toggle("active", Number(c.dataset.index) === state.incident);
      renderFindings();
      renderTimeline();
      if (state.incident !== null && inc.findings.length) selectFinding(inc.findings[0]);
    };
    return card;
  });
  box.replaceChildren(h, ...cards, ...aloneCards(incidents));
}

// aloneCards names, when there is no incident, the warnings on their own
// (a task failed on the job's own exception): what happened is still said
// first. A click opens the finding's evidence.
function aloneCards(incidents) {
  if (incidents.length) return [];
  const fs = state.result.findings || [];
  const alone = fs.map((f, i) => ({ f, i })).filter(({ f }) => f.severity !== "info");
  if (!alone.length) return [];
  const p = document.createElement("p");
  p.textContent = `${alone.length} warning${alone.length > 1 ? "s" : ""} on ${alone.length > 1 ? "their" : "its"} own:`;
  const cards = alone.slice(0, 3).map(({ f, i }) => {
    const card = document.createElement("div");
    card.className = "incident alone sev-" + f.severity;
    card.textContent = `${f.start_ms ? when(f.start_ms) + "  " : ""}${f.summary}`;
    card.onclick = () => selectFinding(i);
    return card;
  });
  if (alone.length > 3) {
    const more = document.createElement("p");
    more.textContent = `… and ${alone.length - 3} more with the findings below.`;
    cards.push(more);
  }
  return [p, ...cards];
}

function filtered() {
  const sev = $("f-severity").value, rule = $("f-rule").value, subj = $("f-subject").value.toLowerCase();
  const { key, asc } = state.sort;
  const val = (f) => key === "severity" ? severityRank[f.severity] : f[key] ?? "";
  return state.result.findings
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => (!sev || f.severity === sev) && (!rule || f.rule === rule) &&
      (!subj || (f.subject || "").toLowerCase().includes(subj) || f.summary.toLowerCase().includes(subj)))
    .sort((a, b) => {
      // Ties keep the CLI's order (the API's), whichever way a column sorts.
      const x = val(a.f), y = val(b.f);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return (asc ? c : -c) || a.i - b.i;
    });
}

function renderFindings() {
  const body = $("findings").tBodies[0];
  const rows = filtered().map(({ f, i }) => {
    const tr = document.createElement("tr");
    tr.dataset.index = i;
    tr.dataset.rule = f.rule;
    if (state.selected === i) tr.classList.add("selected");
    const inc = state.incident !== null && state.incident !== undefined ? state.result.incidents[state.incident] : null;
    if (inc && inc.findings.includes(i)) tr.classList.add("in-incident");
    const cells = [f.severity, when(f.start_ms), f.rule, f.subject || "", String(f.count || 1), f.summary];
    cells.forEach((text, k) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (k === 0) td.className = "sev sev-" + f.severity;
      if (k === 1) { td.className = "when"; td.title = text; td.textContent = spansDays() ? text.slice(5, 16) : text.slice(11); }
      if (k === 3) { td.className = "subject"; td.title = text; td.textContent = shortSubject(text); }
      tr.append(td);
    });
    tr.onclick = () => selectFinding(i);
    return tr;
  });
  body.replaceChildren(...rows);
  for (const th of $("findings").tHead.rows[0].cells) {
    th.classList.toggle("sorted", th.dataset.key === state.sort.key);
    th.classList.toggle("asc", th.dataset.key === state.sort.key && state.sort.asc);
  }
}

// selectFinding shows finding i's evidence, and brings it into view on the
// timeline unless move is false.
function selectFinding(i, move = true) {
  state.selected = i;
  state.redraw = () => selectFinding(i, false);
  const f = state.result.findings[i];
  renderFindings();
  const parts = [];
  const h = document.createElement("h3");
  h.textContent = `${f.severity.toUpperCase()} ${f.rule}${f.subject ? " — " + f.subject : ""}`;
  h.className = "sev-" + f.severity;
  const p = document.createElement("p");
  p.textContent = f.summary;
  parts.push(h, p);
  if (f.remedy) {
    const r = document.createElement("p");
    r.className = "remedy";
    r.textContent = "Remedy: " + f.remedy;
    parts.push(r);
  }
  for (const e of f.evidence || []) parts.push(...evidenceRow(e.source, e.line, e.ts_ms, e.text, e.table, e.offset));
  $("evidence-body").replaceChildren(...parts);
  if (move && f.start_ms && state.domain) {
    // Bring the finding into view on the timeline.
    const [a, b] = state.domain;
    if (f.start_ms < a || f.start_ms > b) {
      const half = (b - a) / 2;
      state.domain = [f.start_ms - half, f.start_ms + half];
    }
    renderTimeline();
  }
}

function evidenceRow(source, line, ts, text, table, offset) {
  const ref = document.createElement("div");
  ref.className = "ref";
  ref.textContent = `${source}${line ? ":" + line : ""}${offset && !line ? " @" + offset : ""}${ts ? "  " + when(ts) : ""}${table && table !== "logs" ? "  (" + table + ")" : ""}`;
  const pre = document.createElement("pre");
  const around = line && state.result.context && state.result.context[`${source}:${line}`];
  if (around) {
    // The events of the file around the cited one, which is highlighted.
    for (const l of around) {
      const row = document.createElement(l.line === line ? "mark" : "span");
      row.textContent = `${String(l.line).padStart(6)}  ${l.level ? l.level.padEnd(5) + " " : ""}${l.text}\n`;
      pre.append(row);
    }
  } else {
    const m = document.createElement("mark");
    m.textContent = text || "";
    pre.append(m);
    if (line && state.result.contextPending) {
      const note = document.createElement("span");
      note.className = "pending";
      note.textContent = "\n(reading the lines around it…)";
      pre.append(note);
    }
  }
  return [ref, pre];
}

// ---- timeline ------------------------------------------------------------

const stateColor = {
  RUNNING: "#2e7d32", FINISHED: "#6b7076", CANCELED: "#9aa0a6", CANCELLING: "#9aa0a6",
  FAILING: "#d98200", RESTARTING: "#d98200", FAILED: "#c62828", SUSPENDED: "#9aa0a6",
  CREATED: "#c5d7ea", INITIALIZING: "#c5d7ea", SCHEDULED: "#c5d7ea", DEPLOYING: "#c5d7ea", RECONCILING: "#c5d7ea",
};
const terminal = new Set(["FAILED", "FINISHED", "CANCELED", "SUSPENDED"]);
const levelColor = { TRACE: "#d0d4d8", DEBUG: "#b8c0c8", INFO: "#8fa3b8", WARN: "#d98200", ERROR: "#c62828", FATAL: "#6a0000", other: "#d9dcdf" };

function renderTimeline() {
  const host = $("timeline");
  const r = state.result;
  if (!state.domain) {
    host.textContent = "No timestamps in this case.";
    return;
  }
  const t = r.timeline;
  const width = Math.max(host.clientWidth || 900, 400);
  const left = 150, right = 10;
  const [d0, d1] = state.domain;
  const x = (ms) => left + ((ms - d0) / (d1 - d0)) * (width - left - right);
  const inView = (ms) => ms >= d0 && ms <= d1;
  const svg = document.createElementNS(SVG, "svg");
  const el = (name, attrs, parent = svg) => {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    parent.append(e);
    return e;
  };
  const label = (y, text, whole = "") => {
    const e = el("text", { x: 4, y: y + 12, class: "track-label" });
    e.textContent = text;
    if (whole) title(e, whole);
  };
  const title = (e, text) => { const ti = document.createElementNS(SVG, "title"); ti.textContent = text; e.append(ti); };
  let y = 4;

  // Findings.
  label(y, "findings");
  // An incident's findings stand out, the others fade, while its card is
  // chosen.
  const inc = state.incident !== null && state.incident !== undefined ? r.incidents[state.incident] : null;
  for (const [i, f] of r.findings.entries()) {
    if (!f.start_ms || !inView(f.start_ms)) continue;
    const cls = !inc ? "mark" : inc.findings.includes(i) ? "mark in-incident" : "mark faded";
    const c = el("circle", { cx: x(f.start_ms), cy: y + 8, r: inc && cls !== "mark faded" ? 6 : 5, fill: `var(--${f.severity})`, class: cls });
    title(c, `${f.rule}: ${f.summary}`);
    c.onclick = () => selectFinding(i);
  }
  y += 22;

  // Job states: a band per job, a triangle at each restart.
  const jobs = new Map();
  for (const s of t.states) if (s.of === "job") (jobs.get(s.job || "?") || jobs.set(s.job || "?", []).get(s.job || "?")).push(s);
  for (const [job, changes] of jobs) {
    label(y, jobName(job));
    changes.forEach((s, k) => {
      // A state lasts until the next change; a job still RUNNING at its
      // last change is drawn to the end of the case, a job that ended
      // (FAILED, FINISHED, CANCELED) is not.
      const end = k + 1 < changes.length ? changes[k + 1].ts_ms : terminal.has(s.to) ? s.ts_ms : t.end_ms;
      if (end < d0 || s.ts_ms > d1) return;
      const a = x(Math.max(s.ts_ms, d0)), b = x(Math.min(end, d1));
      const band = el("rect", { x: a, y, width: Math.max(b - a, 3), height: 14, fill: stateColor[s.to] || "#d9dcdf", class: "mark state" });
      title(band, `${s.from} → ${s.to} at ${when(s.ts_ms)}`);
      band.onclick = () => showState(s);
      if (s.to === "RESTARTING" && inView(s.ts_ms)) {
        const tx = x(s.ts_ms);
        const tri = el("path", { d: `M${tx - 5},${y + 26} L${tx + 5},${y + 26} L${tx},${y + 17} Z`, fill: "#d98200", class: "mark" });
        title(tri, `restart at ${when(s.ts_ms)}`);
        tri.onclick = () => showState(s);
      }
    });
    y += 30;
  }

  // GC pauses per JVM: a stem per pause, height by log of the pause.
  const maxPause = Math.max(1, ...t.gc.flatMap((s) => s.points.map((p) => p[1])));
  for (const s of t.gc.slice(0, 12)) {
    label(y, "GC " + shortName(s.name));
    for (const [ts, ms] of s.points) {
      if (!inView(ts)) continue;
      const h = 4 + 22 * Math.log10(1 + ms) / Math.log10(1 + maxPause);
      const long = ms >= 1000;
      const bar = el("rect", { x: x(ts) - (long ? 1.5 : 1), y: y + 28 - h, width: long ? 3 : 2, height: h, fill: long ? "#c62828" : "#8fa3b8", class: long ? "mark gc long" : "mark gc" });
      title(bar, `${ms.toFixed(1)} ms pause at ${when(ts)}`);
      bar.onclick = () => showPause(s.name, ts, ms);
    }
    y += 32;
  }

  // Checkpoints: duration as height, colour by status.
  if (t.checkpoints.length) {
    label(y, "checkpoints");
    const maxDur = Math.max(1, ...t.checkpoints.map((c) => c.duration_ms));
    for (const c of t.checkpoints) {
      if (!inView(c.ts_ms)) continue;
      const h = 3 + 22 * c.duration_ms / maxDur;
      const ok = /COMPLETED/i.test(c.status);
      const r2 = el("rect", { x: x(c.ts_ms) - 2, y: y + 28 - h, width: 4, height: h, fill: ok ? "#2e7d32" : "#c62828", class: "mark" });
      title(r2, `checkpoint ${c.id} ${c.status}: ${c.duration_ms} ms, ${mib(c.size_bytes)}`);
    }
    y += 32;
  }

  // Watermarks: one line per series.
  for (const s of t.watermarks.slice(0, 6)) {
    const pts = s.points.filter((p) => inView(p[0]));
    if (!pts.length) continue;
    label(y, "wm " + cut(s.name, 20), s.name);
    const lo = Math.min(...pts.map((p) => p[1])), hi = Math.max(...pts.map((p) => p[1]));
    const yy = (v) => y + 26 - (hi > lo ? 22 * (v - lo) / (hi - lo) : 11);
    el("polyline", { points: pts.map((p) => `${x(p[0])},${yy(p[1])}`).join(" "), fill: "none", stroke: "#2e6fb7" });
    const last = pts[pts.length - 1];
    const txt = el("text", { x: width - 4, y: y + 10, "text-anchor": "end" });
    txt.textContent = "max " + when(hi);
    title(txt, `${s.name}: watermark up to ${when(hi)} (sampled ${when(last[0])})`);
    y += 32;
  }

  // Log volume by level, stacked.
  label(y, "log volume");
  const levels = ["FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "other"].filter((l) => t.volume[l]);
  const n = levels.length ? t.volume[levels[0]].length : 0;
  let maxSum = 1;
  for (let b = 0; b < n; b++) maxSum = Math.max(maxSum, levels.reduce((s, l) => s + t.volume[l][b], 0));
  for (let b = 0; b < n; b++) {
    const b0 = t.start_ms + b * t.bucket_ms, b1 = b0 + t.bucket_ms;
    if (b1 < d0 || b0 > d1) continue;
    let top = y + 44;
    for (const l of levels.slice().reverse()) {
      const v = t.volume[l][b];
      if (!v) continue;
      const h = 40 * v / maxSum;
      top -= h;
      const rect = el("rect", { x: x(Math.max(b0, d0)), y: top, width: Math.max(x(Math.min(b1, d1)) - x(Math.max(b0, d0)) - 0.5, 0.5), height: h, fill: levelColor[l] });
      title(rect, `${v} ${l} at ${when(b0)}`);
    }
  }
  y += 50;

  // Axis: ticks at round times (UTC), the date where it changes (and on
  // the first tick).
  const { step, ticks } = roundTicks(d0, d1, Math.max(3, Math.floor((width - left) / 110)));
  let lastDay = "";
  for (const ms of ticks) {
    el("line", { x1: x(ms), x2: x(ms), y1: 0, y2: y, stroke: "#eceef0" });
    const iso = new Date(ms).toISOString();
    const day = iso.slice(0, 10);
    const time = step < 60000 ? iso.slice(11, 19) : iso.slice(11, 16);
    const txt = el("text", { x: x(ms), y: y + 12, "text-anchor": "middle" });
    txt.textContent = day !== lastDay ? (step >= 86400000 ? day : `${day.slice(5)} ${time}`) : time;
    lastDay = day;
  }
  const utc = el("text", { x: 4, y: y + 12 });
  utc.textContent = "UTC";
  y += 18;
  svg.setAttribute("viewBox", `0 0 ${width} ${y}`);
  svg.setAttribute("height", y);
  host.replaceChildren(svg);
  setRange(state.domain);
}

// roundTicks picks the smallest round step that puts at most max ticks in
// [d0, d1] and returns the ticks on its multiples.
function roundTicks(d0, d1, max) {
  const s = 1000, m = 60 * s, hr = 60 * m, day = 24 * hr;
  const steps = [s, 2 * s, 5 * s, 10 * s, 15 * s, 30 * s, m, 2 * m, 5 * m, 10 * m, 15 * m, 30 * m, hr, 2 * hr, 3 * hr, 6 * hr, 12 * hr, day, 2 * day, 7 * day, 14 * day, 30 * day];
  const step = steps.find((st) => (d1 - d0) / st <= max) || steps[steps.length - 1];
  const ticks = [];
  for (let ms = Math.ceil(d0 / step) * step; ms <= d1; ms += step) ticks.push(ms);
  return { step, ticks };
}

// jobName is a job's name when one of its state changes gives it, else
// its id's first 8 characters.
function jobName(id) {
  const s = state.result.timeline.states.find((s) => s.job === id && s.job_name);
  return s ? s.job_name.slice(0, 22) : "job " + id.slice(0, 8);
}

// showPause shows the JVM's GC finding when there is one (its evidence
// holds the log lines of the long pauses), else the pause itself.
function showPause(jvm, ts, ms) {
  const i = state.result.findings.findIndex((f) => f.subject === jvm && f.rule.startsWith("gc."));
  if (i >= 0) {
    selectFinding(i);
    return;
  }
  const h = document.createElement("h3");
  h.textContent = `GC pause of ${ms.toFixed(1)} ms on ${jvm}`;
  const p = document.createElement("p");
  p.textContent = `at ${when(ts)}; no finding: below the pause-spike threshold.`;
  $("evidence-body").replaceChildren(h, p);
  state.redraw = null;
}

function showState(s) {
  state.redraw = () => showState(s);
  const h = document.createElement("h3");
  h.textContent = `Job ${s.job || ""}: ${s.from} → ${s.to}`;
  $("evidence-body").replaceChildren(h, ...evidenceRow(s.source, s.line, s.ts_ms, `${s.from} → ${s.to}`, "logs"));
}

// shortSubject drops the directories of a file subject: the archive's
// member path is what tells files apart.
function shortSubject(s) {
  const i = s.lastIndexOf("!");
  return i >= 0 ? s.slice(s.lastIndexOf("/", i) + 1) : s;
}

// cut shortens a task name to n characters, keeping its subtask (" #2")
// so that the lanes of one task's subtasks stay apart.
function cut(name, n) {
  const m = name.match(/ #\d+$/);
  const suffix = m ? m[0] : "";
  const base = name.slice(0, name.length - suffix.length).replaceAll("_", " ");
  return (base.length + suffix.length > n ? base.slice(0, Math.max(n - suffix.length - 1, 4)) + "…" : base) + suffix;
}

function shortName(s) {
  const parts = (s || "").split(/[!/]/).filter(Boolean);
  return parts.slice(-2).join("/").slice(0, 22);
}

// Zoom with the wheel around the cursor, pan by dragging, reset on
// double-click.
function setupZoom() {
  const host = $("timeline");
  const frac = (e) => {
    const r = host.getBoundingClientRect();
    return Math.min(Math.max((e.clientX - r.left - 150 * r.width / Math.max(host.clientWidth, 1)) / (r.width - 160), 0), 1);
  };
  host.addEventListener("wheel", (e) => {
    if (!state.domain) return;
    e.preventDefault();
    const [a, b] = state.domain;
    const at = a + (b - a) * frac(e);
    const k = e.deltaY < 0 ? 0.8 : 1.25;
    state.domain = [at - (at - a) * k, at + (b - at) * k];
    if (state.domain[1] - state.domain[0] < 1000) state.domain = [at - 500, at + 500];
    renderTimeline();
  }, { passive: false });
  let drag = null;
  host.addEventListener("mousedown", (e) => { if (state.domain) drag = { x: e.clientX, domain: state.domain }; });
  window.addEventListener("mouseup", () => { drag = null; });
  window.addEventListener("mousemove", (e) => {
    if (!drag) return;
    const [a, b] = drag.domain;
    const dx = (e.clientX - drag.x) / Math.max(host.clientWidth - 160, 1) * (b - a);
    if (Math.abs(dx) > 0) {
      state.domain = [a - dx, b - dx];
      renderTimeline();
    }
  });
  host.addEventListener("dblclick", () => {
    const t = state.result && state.result.timeline;
    if (t && t.end_ms > t.start_ms) {
      state.domain = [t.start_ms, t.end_ms];
      renderTimeline();
    }
  });
}

// ---- helpers -------------------------------------------------------------

function when(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  if (isNaN(d)) return String(ms);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function mib(n) {
  n = n || 0;
  const units = ["B", "KiB", "MiB", "GiB"];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return `${n.toFixed(u ? 1 : 0)} ${units[u]}`;
}

function setError(msg) {
  $("error").hidden = !msg;
  $("error").textContent = msg;
}

// ---- wiring --------------------------------------------------------------

function wire() {
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    analyze(await filesFromDrop(e.dataTransfer));
  });
  for (const id of ["pick-files", "pick-folder"]) {
    $(id).addEventListener("change", (e) => { analyze(filesFromInput(e.target)); e.target.value = ""; });
  }
  $("cancel").onclick = () => { if (state.job) state.job.cancel(); };
  $("new-case").onclick = () => {
    if (state.job) state.job.cancel();
    if (state.contextJob) state.contextJob.cancel();
    Object.assign(state, { files: [], alone: false, preloaded: false, result: null, selected: null, incident: null, domain: null });
    $("case").hidden = true;
    $("progress").hidden = true;
    setError("");
  };
  $("export").onclick = exportDataset;
  $("export-findings").onclick = () => download(new Blob([JSON.stringify(state.result.findings, null, 2)], { type: "application/json" }), "flinkdx-findings.json");
  for (const id of ["f-severity", "f-rule", "f-subject"]) $(id).addEventListener("input", renderFindings);
  for (const th of $("findings").tHead.rows[0].cells) {
    th.onclick = () => {
      const key = th.dataset.key;
      state.sort = { key, asc: state.sort.key === key ? !state.sort.asc : key !== "severity" };
      renderFindings();
    };
  }
  $("settings-reset").onclick = () => {
    for (const input of $("settings-fields").querySelectorAll("input")) { input.value = input.dataset.initial; input.classList.remove("changed"); }
    settingsChanged();
  };
  window.addEventListener("resize", () => state.result && renderTimeline());
  setupZoom();
}

wire();
// The settings come from the API: at once from a server; in the browser
// when the panel is first opened (it costs starting the WebAssembly
// module).
detectMode().then(() => {
  if (state.mode === "server") loadSettings();
  else $("settings").addEventListener("toggle", () => { if (!state.settings) loadSettings(); }, { once: true });
});
