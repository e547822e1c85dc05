// The viewer's charts, drawn with uPlot (site/lib, from npm; see
// site/lib/README.md): per JVM, GCeasy-style, the heap before and after
// each GC, the pauses over time and as a histogram, with the JVM's GC
// figures; then the metrics an operator reads first (timeline.Plotted),
// a series per subtask, job or host. Every chart on the wall clock shares
// the timeline's range and cursor.

const palette = ["#2e6fb7", "#d98200", "#2e7d32", "#8e44ad", "#c62828", "#00838f", "#6d4c41", "#5f6b7a"];
const full = "#c62828";
const maxSeries = 8;

// Histogram buckets of pause length (ms), as GC reports read them.
const buckets = [[0, 10], [10, 50], [50, 100], [100, 200], [200, 500], [500, 1000], [1000, 2000], [2000, 5000], [5000, 10000], [10000, Infinity]];

let charts = []; // the uPlot instances on the wall clock

// renderCharts draws the case's charts into host (emptied first). It says
// so, and draws nothing, when uPlot was not installed.
export function renderCharts(host, result, domain, el) {
  for (const u of charts) u.destroy();
  charts = [];
  host.replaceChildren();
  const t = result.timeline;
  if (!t) return;
  const jvms = t.jvms || [], metrics = t.metrics || [], cps = t.checkpoints || [];
  if (!jvms.length && !metrics.length && !cps.length) return;
  if (typeof uPlot === "undefined") {
    host.append(el("p", { class: "hint" }, "The charts need uPlot: run make charts (npm) and build again."));
    return;
  }
  const width = Math.max((host.clientWidth || 900) - 4, 320);
  const gcByJVM = new Map(((result.manifest && result.manifest.gc) || []).map((g) => [g.jvm, g]));

  if (jvms.length) host.append(el("h2", {}, "GC per JVM"));
  for (const j of jvms.slice(0, 12)) {
    const box = el("div", { class: "jvm", "data-jvm": j.name, "data-events": String(j.events.length) });
    const stats = gcByJVM.get(j.name);
    const head = el("h3", { title: j.name }, `${shortJVM(j.name)}${j.collector ? ` (${j.collector})` : ""}`);
    box.append(head, el("p", { class: "gc-figures" }, figures(j, stats)));
    const wall = j.clock === "wall";
    if (!wall) box.append(el("p", { class: "hint" }, "This log gives uptimes only and the JVM's start is not known: its charts are on the JVM's own clock (seconds since it started), not the timeline's."));
    const xs = j.events.map((e) => wall ? e[0] : e[0] / 1000);
    const mb = (v) => v < 0 ? null : v / 1048576;
    const isFull = (e) => e[5] === 1;
    const row = el("div", { class: "chart-row" });
    box.append(row);

    const heap = chart(row, "heap", Math.floor(width * 0.46), wall, {
      title: "Heap before and after each GC (MiB)",
      series: [
        { label: "before GC", stroke: "#9aa0a6", width: 0, points: { show: true, size: 4, fill: "#9aa0a6" } },
        { label: "after GC", stroke: palette[0], width: 1 },
        { label: "after full GC", stroke: full, width: 0, points: { show: true, size: 6, fill: full } },
        { label: "capacity", stroke: "#2e7d32", width: 1, dash: [4, 4] },
      ],
    }, [xs, j.events.map((e) => mb(e[2])), j.events.map((e) => mb(e[3])),
      j.events.map((e) => isFull(e) ? mb(e[3]) : null), j.events.map((e) => mb(e[4]))], domain);
    heap.root.dataset.points = String(xs.length);

    const pauses = chart(row, "pauses", Math.floor(width * 0.32), wall, {
      title: "Pauses (ms)",
      series: [
        { label: "young/mixed", stroke: palette[0], width: 0, points: { show: true, size: 4, fill: palette[0] } },
        { label: "full", stroke: full, width: 0, points: { show: true, size: 5, fill: full } },
      ],
    }, [xs, j.events.map((e) => isFull(e) ? null : e[1]), j.events.map((e) => isFull(e) ? e[1] : null)], domain);
    pauses.root.dataset.points = String(xs.length);

    const counts = buckets.map(([lo, hi]) => j.events.filter((e) => e[1] >= lo && e[1] < hi).length);
    const hist = new uPlot({
      width: Math.floor(width * 0.22) - 30, height: 180, title: "Pause histogram",
      scales: { x: { time: false } },
      axes: [{ values: (u, vals) => vals.map((v) => bucketLabel(v)), size: 30 }, { size: 40 }],
      series: [{ label: "ms", value: (u, v) => v == null ? "" : bucketLabel(v) },
        { label: "GCs", fill: "#8fa3b8", stroke: "#5f6b7a", paths: uPlot.paths.bars({ size: [0.8, 40] }), points: { show: false } }],
      legend: { show: true },
    }, [buckets.map((_, i) => i), counts], row);
    hist.root.classList.add("chart", "histogram");
    hist.root.dataset.points = String(counts.reduce((a, b) => a + b, 0));
    host.append(box);
  }

  // Metrics: a chart per metric, a series per subject.
  const byName = new Map();
  for (const m of metrics) (byName.get(m.name) || byName.set(m.name, []).get(m.name)).push(m);
  if (byName.size || cps.length) host.append(el("h2", {}, "Metrics"));
  const grid = el("div", { class: "chart-grid" });
  host.append(grid);
  const each = Math.max(Math.floor(width / 2) - 12, 300);
  for (const [name, series] of byName) {
    const shown = series.slice(0, maxSeries);
    const { xs, ys } = align(shown.map((s) => s.points));
    const unit = shown[0].unit ? ` (${shown[0].unit})` : "";
    const u = chart(grid, "metric", each, true, {
      title: name + unit + (series.length > shown.length ? `: ${shown.length} of ${series.length} series` : ""),
      series: shown.map((s, i) => ({ label: shortSubject(s.subject), stroke: palette[i % palette.length], width: 1.5, spanGaps: true })),
    }, [xs, ...ys], domain);
    u.root.dataset.metric = name;
    u.root.dataset.points = String(shown.reduce((n, s) => n + s.points.length, 0));
  }
  if (cps.length) {
    const xs = cps.map((c) => c.ts_ms);
    const ok = (c) => /COMPLETED/i.test(c.status);
    const u = chart(grid, "metric", each, true, {
      title: "Checkpoints: duration (ms)",
      series: [
        { label: "completed", stroke: "#2e7d32", width: 0, points: { show: true, size: 5, fill: "#2e7d32" } },
        { label: "failed", stroke: full, width: 0, points: { show: true, size: 6, fill: full } },
      ],
    }, [xs, cps.map((c) => ok(c) ? c.duration_ms : null), cps.map((c) => ok(c) ? null : c.duration_ms)], domain);
    u.root.dataset.metric = "checkpoints";
    u.root.dataset.points = String(cps.length);
  }
}

// setRange moves every wall-clock chart to the timeline's range.
export function setRange(domain) {
  if (!domain) return;
  for (const u of charts) u.setScale("x", { min: domain[0], max: domain[1] });
}

function chart(parent, kind, width, wall, opts, data, domain) {
  const u = new uPlot({
    width, height: 180, title: opts.title, ms: 1,
    tzDate: (ts) => uPlot.tzDate(new Date(ts), "Etc/UTC"),
    cursor: wall ? { sync: { key: "flinkdx" } } : {},
    scales: { x: wall ? { time: true, range: () => domain ? [domain[0], domain[1]] : [null, null] } : { time: false } },
    axes: [wall ? { size: 50, values: timeTicks } : { size: 40 }, { size: 56, values: (u, vals) => vals.map(compact) }],
    series: [wall ? {} : { label: "uptime (s)" }, ...opts.series],
  }, data, parent);
  u.root.classList.add("chart", kind);
  if (wall) charts.push(u);
  return u;
}

// align joins series sampled at different times onto one x array (uPlot's
// data shape), null where a series has no sample.
function align(pointLists) {
  const xs = [...new Set(pointLists.flatMap((p) => p.map((q) => q[0])))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = pointLists.map((pts) => {
    const y = new Array(xs.length).fill(null);
    for (const [x, v] of pts) y[at.get(x)] = v;
    return y;
  });
  return { xs, ys };
}

function figures(j, s) {
  if (!s) return `${j.events.length} GC pauses`;
  const parts = [`${s.gc_pauses} GC pauses, ${s.gc_pause_s.toFixed(1)} s`];
  if (s.run_duration_s > 0) parts.push(`throughput ${s.gc_throughput_pct.toFixed(0)} %`);
  if (s.full_gcs) parts.push(`${s.full_gcs} full GCs`);
  parts.push(`longest ${s.max_pause_s.toFixed(1)} s`);
  if (s.window_s) parts.push(`worst ${s.window_s.toFixed(0)} s window ${s.max_overhead_pct.toFixed(0)} % in GC`);
  return parts.join(" · ");
}

// timeTicks labels the time axis in UTC, 24-hour: the time, with the
// date on the first tick and where the day changes.
function timeTicks(u, splits, axis, space, incr) {
  let day = "";
  return splits.map((ms) => {
    const iso = new Date(ms).toISOString();
    const time = incr < 60000 ? iso.slice(11, 19) : iso.slice(11, 16);
    const d = iso.slice(5, 10);
    const label = d !== day ? (incr >= 86400000 ? d : `${time}\n${d}`) : time;
    day = d;
    return label;
  });
}

function bucketLabel(i) {
  const b = buckets[Math.round(i)];
  if (!b) return "";
  const f = (ms) => ms >= 1000 ? `${ms / 1000}s` : `${ms}`;
  return b[1] === Infinity ? `≥${f(b[0])}` : `<${f(b[1])}`;
}

function compact(v) {
  if (v == null) return "";
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + "G";
  if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + "M";
  if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e4 ? 0 : 1) + "k";
  return String(+v.toFixed(2));
}

function shortJVM(s) {
  const parts = (s || "").split(/[!/]/).filter(Boolean);
  return parts.slice(-2).join("/");
}

function shortSubject(s) {
  s = (s || "").replaceAll("_", " ");
  return s.length > 48 ? s.slice(0, 46) + "…" : s;
}
