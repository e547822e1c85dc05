// Browser tests of the viewer, in Debian's Chromium driven by Playwright:
//   1. "flinkdx view" on the demo case (the API served natively);
//   2. the static page alone, the demo archive chosen in the file picker,
//      analysed by the WebAssembly build in a Web Worker;
//   3. log text that looks like HTML stays text.
// Run by "make test-browser"; screenshots go to out/e2e/.
import { chromium } from "playwright-core";
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const out = join(root, "out/e2e");
mkdirSync(out, { recursive: true });
const demo = join(root, "testdata/demo/incident.tar.gz");

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

// The findings table once the case is shown.
async function findings(page) {
  await page.waitForSelector("#findings tbody tr", { timeout: 600000 });
  return page.$$eval("#findings tbody tr", (rows) => rows.map((r) => ({
    severity: r.cells[0].textContent, rule: r.cells[2].textContent, subject: r.cells[3].title,
    count: Number(r.cells[4].textContent), summary: r.cells[5].textContent,
  })));
}

// drop dispatches a drop event carrying the file, as a user dragging it
// from the desktop does.
async function drop(page, path, name) {
  const data = readFileSync(path).toString("base64");
  await page.evaluate(([data, name]) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name));
    document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [data, name]);
}

// The CLI's findings for the demo, named as a dropped file is named.
function cliFindings() {
  const dir = join(out, "cli");
  rmSync(dir, { recursive: true, force: true });
  execFileSync(join(root, "bin/flinkdx"), ["analyze", "incident.tar.gz", "-o", dir, "--quiet"], { cwd: join(root, "testdata/demo") });
  return JSON.parse(execFileSync(join(root, "bin/flinkdx"), ["scan", dir, "--format", "json"]).toString()).findings;
}

const key = (f) => `${f.severity} ${f.rule} ${f.subject} ×${f.count}: ${f.summary}`;
function sameFindings(rows, cli, name) {
  const a = rows.map(key).sort(), b = cli.map(key).sort();
  const missing = b.filter((k) => !a.includes(k)), extra = a.filter((k) => !b.includes(k));
  check(a.length === b.length && missing.length === 0 && extra.length === 0,
    `${name}: the page's ${a.length} findings equal the CLI's ${b.length}` + (missing.length ? `; missing ${missing[0]}` : "") + (extra.length ? `; extra ${extra[0]}` : ""));
}

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(120000); // a step that cannot happen fails instead of hanging
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    // The page asks api/v1/version to learn whether a server answers; on
    // a static host that is a 404, by design.
    if (m.type() === "error" && !(m.location().url || "").endsWith("/api/v1/version")) errors.push(m.text() + " " + m.location().url);
  });
  return { page, errors };
}

// The demo's story, whichever host analysed it.
async function checkDemo(page, name) {
  const rows = await findings(page);
  const rules = new Set(rows.map((r) => r.rule));
  for (const r of ["heartbeat.timeout", "job.restart", "job.restarts-exhausted", "jvm.oom", "gc.pause-spike", "checkpoint.expired", "watermark.future-jump"]) {
    check(rules.has(r), `${name}: finding ${r}`);
  }
  check(await page.locator("#timeline svg rect.mark:not(.gc)").count() > 0, `${name}: job state bands on the timeline`);
  check(/Secrets masked: \d+\./.test(await page.textContent("#summary")), `${name}: the summary says secrets were masked`);
  check(await page.locator("#timeline svg rect.gc").count() > 0, `${name}: GC pauses on the timeline`);

  // Filter to critical: only critical rows remain.
  await page.selectOption("#f-severity", "critical");
  const crit = await findings(page);
  check(crit.length > 0 && crit.every((r) => r.severity === "critical"), `${name}: severity filter (${crit.length} critical)`);

  // Click a heartbeat timeout: its evidence names the file and line.
  await page.locator("#findings tbody tr", { hasText: "heartbeat.timeout" }).filter({ hasText: "TaskManager 10.0.3.21" }).first().click();
  const refs = await page.$$eval("#evidence-body .ref", (els) => els.map((e) => e.textContent));
  check(refs.some((r) => /incident\/jobmanager\/jobmanager\.log:\d+/.test(r)), `${name}: evidence names jobmanager.log and its line (${refs[0]})`);
  // In context: the lines around the cited one, which is highlighted. In
  // the browser they come from a second pass, after the findings.
  await page.waitForFunction(() => [...document.querySelectorAll("#evidence-body pre")].some((p) => p.childNodes.length > 1 && !p.querySelector(".pending")));
  const marked = await page.$$eval("#evidence-body pre", (pres) => pres.map((p) => ({ lines: p.childNodes.length, mark: (p.querySelector("mark") || {}).textContent || "" })));
  check(marked.some((p) => p.lines > 1 && /^\s*\d+\s+\S*\s*The heartbeat of TaskManager/.test(p.mark)), `${name}: the cited line highlighted among its neighbours`);
  await page.selectOption("#f-severity", "");

  // A long GC pause on the timeline leads to its JVM's finding and evidence.
  // Long pauses close together overlap; the event goes to the mark itself.
  await page.locator("#timeline svg rect.gc.long").first().dispatchEvent("click");
  const shown = await page.textContent("#evidence-body");
  check(/gc\.(pause-spike|overhead)/.test(shown) && /gc\.log:\d+/.test(shown), `${name}: a GC mark on the timeline shows its JVM's finding and evidence`);
  // A job state band shows the line of its change among its neighbours.
  await page.locator("#timeline svg rect.mark.state").last().dispatchEvent("click");
  await page.waitForFunction(() => [...document.querySelectorAll("#evidence-body pre")].some((p) => p.childNodes.length > 1 && !p.querySelector(".pending")));
  const band = await page.$$eval("#evidence-body pre mark", (ms) => ms.map((m) => m.textContent));
  check(band.some((m) => /^\s*\d+\s+\S*\s*Job .* switched from state \w+ to \w+/.test(m)), `${name}: a job state band shows its change in context (${band[0]})`);

  // The charts: TaskManager 1's GC charts have a point per GC event (as
  // many as the CLI counts), drawn by uPlot; a metric plot from the
  // demo's Prometheus scrapes; the job's lane named by its name.
  const want = cliGCPauses();
  await page.waitForSelector('.jvm[data-jvm*="taskmanager-1/gc.log"]', { state: "attached", timeout: 30000 }).catch(async () => {
    console.log(`FAIL ${name}: no GC charts; the charts section says: ${(await page.textContent("#charts")).slice(0, 300)}`);
  });
  const tm1 = await page.$eval('.jvm[data-jvm*="taskmanager-1/gc.log"]', (b) => ({
    heap: Number(b.querySelector(".chart.heap").dataset.points), pauses: Number(b.querySelector(".chart.pauses").dataset.points),
    hist: Number(b.querySelector(".chart.histogram").dataset.points), canvases: b.querySelectorAll("canvas").length,
    figures: b.querySelector(".gc-figures").textContent,
  }));
  check(want > 0 && tm1.heap === want && tm1.pauses === want && tm1.hist === want && tm1.canvases === 3 && tm1.figures.startsWith(`${want} GC pauses`),
    `${name}: TaskManager 1's heap, pause and histogram charts have a point per GC event (${tm1.heap}, ${tm1.pauses}, ${tm1.hist} of the CLI's ${want}; ${tm1.canvases} charts; ${tm1.figures})`);
  const busy = await page.$$eval('.chart.metric[data-metric="busyTimeMsPerSecond"]', (cs) => cs.map((c) => ({ points: Number(c.dataset.points), canvas: c.querySelectorAll("canvas").length, legend: c.querySelectorAll(".u-series").length })));
  check(busy.length === 1 && busy[0].points > 100 && busy[0].canvas === 1 && busy[0].legend >= 5,
    `${name}: a busyTimeMsPerSecond plot from the demo's scrapes (${JSON.stringify(busy[0])})`);
  const lanes = await page.$$eval("#timeline svg .track-label", (ts) => ts.map((t) => t.textContent));
  check(lanes.includes("clickstream-enrichment"), `${name}: the job's lane is labelled by its name (${lanes.join(", ")})`);
  await page.locator("#charts").screenshot({ path: join(out, `${name}-charts.png`) });
  return rows;
}

// The GC pauses the CLI counts in TaskManager 1's GC log.
function cliGCPauses() {
  const text = execFileSync(join(root, "bin/flinkdx"), ["analyze", "incident.tar.gz", "-o", join(out, "cli-gc")], { cwd: join(root, "testdata/demo"), stdio: ["ignore", "pipe", "pipe"] }).toString();
  const m = text.match(/taskmanager-1\/gc\.log \(\w+\): (\d+) GC pauses/);
  return m ? Number(m[1]) : -1;
}

// ONLY=first-findings (make wasm-size) times the WebAssembly page alone.
const only = process.env.ONLY || "";

// 1. flinkdx view.
if (!only) {
  const cli = cliFindings();
  const view = spawn(join(root, "bin/flinkdx"), ["view", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((res, rej) => {
    let buf = "";
    view.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) res(m[1]);
    });
    view.on("exit", (code) => rej(new Error(`flinkdx view exited ${code}`)));
    setTimeout(() => rej(new Error("flinkdx view did not start")), 30000);
  });
  const { page, errors } = await newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("mode").textContent.includes("served from this machine"));
  await drop(page, demo, "incident.tar.gz");
  const rows = await checkDemo(page, "view");
  sameFindings(rows, cli, "view");
  // What happened first: the verdict cards, the root cause named; a click
  // marks the incident's findings.
  const cards = await page.$$eval("#incidents .incident", (cs) => cs.map((c) => c.textContent));
  check(cards.length === 2 && /heap left after full GCs rose/.test(cards[0]) && /GC overhead limit/.test(cards[0]) && /2050/.test(cards[1]),
    `view: two verdict cards, the first naming TaskManager 1's heap and the GC overhead limit (${cards.length}: ${(cards[0] || "").slice(0, 120)})`);
  await page.click("#incidents .incident");
  const marked = await page.$$eval("#findings tbody tr.in-incident", (r) => r.length);
  const rings = await page.$$eval("#timeline svg circle.in-incident", (c) => c.length);
  check(marked >= 5 && rings >= 5, `view: clicking the first card marks its findings in the table (${marked}) and on the timeline (${rings})`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(out, "view-incidents.png") });
  await page.click("#incidents .incident");
  check(await page.textContent("#mode").then((t) => t.includes("served from this machine")), "view: server mode");
  await page.screenshot({ path: join(out, "view.png"), fullPage: true });
  // Export: a zip download of the dataset.
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  const zipPath = join(out, "view-dataset.zip");
  await dl.saveAs(zipPath);
  check(statSync(zipPath).size > 1000 && readFileSync(zipPath).subarray(0, 2).toString() === "PK", "view: export downloads a zip");
  // Settings: a field per threshold, made from the API; a changed one
  // applies to the files dropped next (a GC overhead threshold of 99 %
  // leaves no gc.overhead finding in the demo).
  await page.click("#settings summary");
  await page.waitForSelector("#settings-fields input[name=pause-spike]");
  const fields = await page.$$eval("#settings-fields input", (ins) => ins.map((i) => i.name));
  check(fields.includes("tz") && fields.includes("gc-overhead") && fields.includes("allocation-stall") && fields.length >= 20,
    `view: the settings panel lists the time zone and every threshold (${fields.length} fields)`);
  check(rows.some((r) => r.rule === "gc.overhead"), "view: the demo has a gc.overhead finding at the default threshold");
  await page.fill("#settings-fields input[name=gc-overhead]", "99");
  await page.evaluate(() => { document.getElementById("summary").textContent = ""; });
  await drop(page, demo, "incident.tar.gz");
  await page.waitForFunction(() => /Findings:/.test(document.getElementById("summary").textContent));
  const relaxed = await findings(page);
  check(!relaxed.some((r) => r.rule === "gc.overhead") && relaxed.some((r) => r.rule === "jvm.oom"),
    `view: with gc-overhead=99 the dropped demo has no gc.overhead finding and still its OutOfMemoryError (${relaxed.length} findings)`);
  // The settings are remembered by the browser: after a reload the panel
  // still has gc-overhead at 99.
  await page.reload();
  await page.waitForFunction(() => document.getElementById("mode").textContent.includes("served from this machine"));
  await page.waitForSelector("#settings-fields input[name=gc-overhead]", { state: "attached" });
  check(await page.$eval("#settings-fields input[name=gc-overhead]", (i) => i.value === "99" && i.classList.contains("changed")),
    "view: the settings panel remembers gc-overhead=99 across a reload");
  await page.click("#settings summary");
  await page.click("#settings-reset");
  // A time zone set in the panel applies to the files dropped next: the
  // demo's logs carry no zone, so its findings move by New York's offset.
  const whenOf = (rule) => page.$eval(`#findings tbody tr[data-rule="${rule}"] td.when`, (td) => td.title);
  await drop(page, demo, "incident.tar.gz");
  await page.waitForSelector('#findings tbody tr[data-rule="job.restarts-exhausted"]');
  const utc = await whenOf("job.restarts-exhausted");
  await page.fill("#settings-fields input[name=tz]", "America/New_York");
  await page.evaluate(() => { document.getElementById("summary").textContent = ""; });
  await drop(page, demo, "incident.tar.gz");
  await page.waitForFunction(() => /Findings:/.test(document.getElementById("summary").textContent));
  const ny = await whenOf("job.restarts-exhausted");
  check(Date.parse(ny.replace(" ", "T")) - Date.parse(utc.replace(" ", "T")) === 4 * 3600000,
    `view: tz=America/New_York in the panel moves the dropped demo's job failure from ${utc} to ${ny}`);
  // A second file dropped adds to the case; "New case" starts over.
  await page.evaluate(() => { document.getElementById("summary").textContent = ""; });
  await drop(page, join(root, "testdata/flinkconf/flink-conf.yaml"), "flink-conf.yaml");
  await page.waitForFunction(() => /Findings:/.test(document.getElementById("summary").textContent));
  const added = await page.textContent("#summary");
  const addedRules = new Set((await findings(page)).map((r) => r.rule));
  check(/^2 inputs/.test(added) && addedRules.has("jvm.oom"), `view: a second file dropped adds to the case (${added.slice(0, 40)}…; jvm.oom still found)`);
  await page.click("#new-case");
  check(await page.isHidden("#case"), "view: New case clears the page");
  await page.evaluate(() => { document.getElementById("summary").textContent = ""; });
  await drop(page, join(root, "testdata/flinkconf/flink-conf.yaml"), "flink-conf.yaml");
  await page.waitForFunction(() => /Findings:/.test(document.getElementById("summary").textContent));
  check(/^1 inputs/.test(await page.textContent("#summary")), `view: after New case a file dropped is a case of its own (${(await page.textContent("#summary")).slice(0, 30)})`);
  check(errors.length === 0, `view: no page errors ${errors.join("; ")}`);
  writeFileSync(join(out, "view-findings.json"), JSON.stringify(rows, null, 1));
  view.kill();
}

// A static file server for site/ (what a CDN or wrangler's assets do).
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const site = join(root, "site");
const server = createServer((req, res) => {
  const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = join(site, p === "/" ? "index.html" : p);
  if (!file.startsWith(site)) { res.writeHead(403).end(); return; }
  try {
    const data = readFileSync(file);
    res.writeHead(200, { "Content-Type": types[extname(file)] || "application/octet-stream" }).end(data);
  } catch {
    res.writeHead(404).end("not found");
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const staticURL = `http://127.0.0.1:${server.address().port}/`;

// 2. The browser alone: WebAssembly in a Web Worker.
{
  const { page, errors } = await newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.method() + " " + r.url()));
  await page.goto(staticURL);
  await page.waitForFunction(() => document.getElementById("mode").textContent.includes("WebAssembly"));
  const t0 = Date.now();
  await drop(page, demo, "incident.tar.gz");
  await page.waitForSelector("#findings tbody tr", { timeout: 120000 });
  const firstFindings = (Date.now() - t0) / 1000;
  console.log(`wasm: first findings on the demo ${firstFindings.toFixed(2)} s after the drop (WebAssembly compiled and run in a new Worker)`);
  writeFileSync(join(out, "first-findings.txt"), firstFindings.toFixed(2) + "\n");
  const wrows = await checkDemo(page, "wasm");
  sameFindings(wrows, cliFindings(), "wasm");
  await page.screenshot({ path: join(out, "wasm.png"), fullPage: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(out, "wasm-top.png") });
  check(!requests.some((r) => r.includes("parquet.wasm")), "wasm: the analysis did not load the Parquet module");
  await page.click("#settings summary");
  await page.waitForSelector("#settings-fields input[name=pause-spike]");
  check(await page.$eval("#settings-fields input[name=pause-spike]", (i) => i.value === "1s"), "wasm: the settings panel, made by the WebAssembly module, shows pause-spike at 1s");
  await page.click("#settings summary");
  // Export: the Parquet module is loaded for it, in the browser.
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  const zipPath = join(out, "wasm-dataset.zip");
  await dl.saveAs(zipPath);
  check(statSync(zipPath).size > 1000 && readFileSync(zipPath).subarray(0, 2).toString() === "PK", "wasm: export downloads a zip");
  check(requests.some((r) => r.includes("parquet.wasm")), "wasm: export loaded the Parquet module");
  // The zip dropped back: a shared dataset, scanned by the Parquet module.
  await page.evaluate(() => { document.getElementById("summary").textContent = ""; });
  await drop(page, zipPath, "flinkdx-dataset.zip");
  await page.waitForFunction(() => /Findings:/.test(document.getElementById("summary").textContent) && document.querySelectorAll("#findings tbody tr").length > 0);
  sameFindings(await findings(page), cliFindings(), "wasm, the exported zip dropped back");
  // A dataset folder written by "flinkdx analyze", chosen as a folder:
  // scanned by the Parquet module, the CLI's findings.
  const cli = cliFindings(); // writes the dataset to out/e2e/cli
  await page.evaluate(() => { document.getElementById("summary").textContent = ""; });
  await page.setInputFiles("#pick-folder", join(out, "cli"));
  await page.waitForFunction(() => /Findings:/.test(document.getElementById("summary").textContent) || !document.getElementById("error").hidden);
  check(await page.isHidden("#error"), `wasm, a dataset folder: no error (${await page.textContent("#error")})`);
  sameFindings(await findings(page), cli, "wasm, a dataset folder");
  check(!requests.some((r) => r.startsWith("POST")), "wasm: nothing was sent to a server");
  check(errors.length === 0, `wasm: no page errors ${errors.join("; ")}`);
}

// Cancel: a large input stopped mid-way leaves no half result.
if (!only) {
  const { page } = await newPage();
  await page.goto(staticURL);
  await page.waitForFunction(() => document.getElementById("mode").textContent.includes("WebAssembly"));
  const line = "2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor [] - a line to read\n";
  await page.setInputFiles("#pick-files", { name: "big.log", mimeType: "text/plain", buffer: Buffer.from(line.repeat(400000)) });
  await page.waitForFunction(() => /read, /.test(document.getElementById("progress-text").textContent));
  await page.click("#cancel");
  await page.waitForFunction(() => !document.getElementById("error").hidden);
  check((await page.textContent("#error")).includes("cancelled"), "cancel: the page says the analysis was cancelled");
  check(await page.locator("#findings tbody tr").count() === 0 && await page.isHidden("#case"), "cancel: no half result is shown");
}

// 3. HTML in log text is shown as text.
if (!only) {
  const { page, errors } = await newPage();
  await page.goto(staticURL);
  await page.waitForFunction(() => document.getElementById("mode").textContent.includes("WebAssembly"));
  const log = [
    "2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph [] - Job evil (0123456789abcdef0123456789abcdef) switched from state RUNNING to FAILING.",
    "java.lang.OutOfMemoryError: Java heap space <img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>",
    "\tat org.example.Evil.run(Evil.java:1)",
    "2024-03-01 10:00:01,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph [] - Job evil (0123456789abcdef0123456789abcdef) switched from state FAILING to FAILED.",
    "",
  ].join("\n");
  await page.setInputFiles("#pick-files", { name: "jobmanager.log", mimeType: "text/plain", buffer: Buffer.from(log) });
  const rows = await findings(page);
  await page.locator("#findings tbody tr", { hasText: "OutOfMemoryError" }).first().click();
  const shown = await page.textContent("#evidence-body");
  check(rows.some((r) => r.summary.includes("<img src=x")), "html: the summary shows the markup as text");
  check(shown.includes("<img src=x") || rows.length > 0, "html: evidence shown");
  check(await page.evaluate(() => window.__xss === undefined), "html: no script ran");
  check(await page.locator("#case img, #case script").count() === 0, "html: no element was made from log text");
  check(errors.length === 0, `html: no page errors ${errors.join("; ")}`);
}

server.close();
await browser.close();
if (failures) {
  console.log(`${failures} browser check(s) failed`);
  process.exit(1);
}
console.log("browser checks passed");
