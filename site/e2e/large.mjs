// The browser on a large log (make bench-browser): the WebAssembly page
// analyses FILE (≥ 1 GiB) dropped on it; the tab's memory (every Chromium
// process's RSS, summed, sampled twice a second) must stay under BOUND_MIB,
// and its throughput is reported beside the native CLI's on the same file.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { createReadStream, mkdirSync, rmSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const file = process.argv[2];
const bound = Number(process.env.BOUND_MIB || 3072);
const size = statSync(file).size;
const out = join(root, "out/bench-browser");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// Native: the CLI on the same file (in memory as the page does, findings only).
let t = Date.now();
execFileSync(join(root, "bin/flinkdx"), ["analyze", file, "-o", join(out, "native"), "--quiet"]);
const nativeSecs = (Date.now() - t) / 1000;
// The same work the page does: no dataset kept, no hashing (analyze, no -o).
t = Date.now();
execFileSync(join(root, "bin/flinkdx"), ["analyze", file, "--quiet"]);
const leanSecs = (Date.now() - t) / 1000;

const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const site = join(root, "site");
const server = createServer((req, res) => {
  const p = new URL(req.url, "http://x").pathname;
  const f = join(site, p === "/" ? "index.html" : p);
  try {
    statSync(f);
    res.writeHead(200, { "Content-Type": types[extname(f)] || "application/octet-stream" });
    createReadStream(f).pipe(res);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const rss = () => {
  try {
    return execFileSync("ps", ["-C", "chromium", "-o", "rss="]).toString().split("\n").filter(Boolean).reduce((s, v) => s + Number(v), 0) / 1024;
  } catch { return 0; }
};
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await page.waitForFunction(() => document.getElementById("mode").textContent.includes("WebAssembly"));
const base = rss();
let peak = base;
const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 500);
t = Date.now();
await page.setInputFiles("#pick-files", file);
await page.waitForFunction(() => document.querySelector("#findings tbody tr") || !document.getElementById("error").hidden, null, { timeout: 3600000, polling: 1000 });
const browserSecs = (Date.now() - t) / 1000;
const error = await page.textContent("#error");
const findings = await page.locator("#findings tbody tr").count();
// Then the second pass that reads the lines around each cited one.
await page.waitForFunction(() => document.body.dataset.context !== "reading" || !document.getElementById("error").hidden, null, { timeout: 3600000, polling: 1000 });
const contextSecs = (Date.now() - t) / 1000;
const contextError = await page.textContent("#error");
clearInterval(sampler);
await browser.close();
server.close();

const mbs = (s) => (size / 1e6 / s).toFixed(1);
console.log(`file: ${(size / 2 ** 20).toFixed(0)} MiB`);
console.log(`native analyze: ${nativeSecs.toFixed(1)} s, ${mbs(nativeSecs)} MB/s (with a dataset, 2 cores)`);
console.log(`native analyze without -o: ${leanSecs.toFixed(1)} s, ${mbs(leanSecs)} MB/s (the page's work: no dataset, no hashing)`);
console.log(`browser (WebAssembly): ${browserSecs.toFixed(1)} s, ${mbs(browserSecs)} MB/s = ${(100 * nativeSecs / browserSecs).toFixed(0)} % of native (${(100 * leanSecs / browserSecs).toFixed(0)} % of the same work natively); ${findings} findings${error ? "; error: " + error : ""}`);
console.log(`browser: the evidence's context (a second, parse-only pass) ready ${contextSecs.toFixed(1)} s after the drop${contextError ? "; error: " + contextError : ""}`);
console.log(`Chromium RSS: ${base.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB (bound ${bound} MiB)`);
if (error || contextError || findings === 0 || peak > bound) {
  console.log("FAIL");
  process.exit(1);
}
