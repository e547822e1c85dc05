// The analysis API on Cloudflare's runtime: wrangler dev (workerd, offline)
// serves the Worker built by `make worker`; the demo case is posted as the
// page posts it and must give the CLI's findings, the page itself comes
// from the static assets, and a body over the upload limit is answered
// 413. Run by `make test-worker`.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

const port = await new Promise((res) => {
  const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => res(p)); });
});
const base = `http://127.0.0.1:${port}`;
const wrangler = spawn(join(root, "wasm/node_modules/.bin/wrangler"), ["dev", "--ip", "127.0.0.1", "--port", String(port)], {
  cwd: join(root, "wasm"),
  env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  stdio: ["ignore", "pipe", "pipe"],
});
let log = "";
wrangler.stdout.on("data", (d) => { log += d; });
wrangler.stderr.on("data", (d) => { log += d; });

try {
  // Ready when the API answers.
  let version = null;
  for (let i = 0; i < 120 && !version; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    try {
      const r = await fetch(base + "/api/v1/version");
      if (r.ok) version = await r.json();
    } catch { /* not yet */ }
  }
  check(version && version.api === "v1", `the Worker answers /api/v1/version (${JSON.stringify(version)})`);

  const page = await fetch(base + "/");
  check(page.ok && (await page.text()).includes("flinkdx viewer"), "the page is served from the assets");

  const form = new FormData();
  form.append("file", new Blob([readFileSync(join(root, "testdata/demo/incident.tar.gz"))]), "incident.tar.gz");
  const res = await fetch(base + "/api/v1/analyze", { method: "POST", body: form });
  const body = await res.json();
  check(res.status === 200, `analyze answers 200 (${res.status} ${body.error || ""})`);
  // The same findings as the CLI's for the same file, word for word (the
  // CLI run where the file's name is the same, so evidence paths match).
  const dir = join(root, "out/e2e/worker-cli");
  rmSync(dir, { recursive: true, force: true });
  execFileSync(join(root, "bin/flinkdx"), ["analyze", "incident.tar.gz", "-o", dir, "--quiet"], { cwd: join(root, "testdata/demo") });
  const cli = JSON.parse(execFileSync(join(root, "bin/flinkdx"), ["scan", dir, "--format", "json"]).toString()).findings;
  const key = (f) => `${f.severity} ${f.rule} ${f.subject} ×${f.count}: ${f.summary}`;
  const got = (body.findings || []).map(key).sort(), want = cli.map(key).sort();
  check(JSON.stringify(got) === JSON.stringify(want), `the Worker's ${got.length} findings equal the CLI's ${want.length}` +
    (got.length ? "" : "") + (JSON.stringify(got) === JSON.stringify(want) ? "" : `; first difference: ${want.find((k) => !got.includes(k)) || got.find((k) => !want.includes(k))}`));
  check(body.manifest && body.manifest.inputs[0].path === "incident.tar.gz", "the file keeps its name");

  // Over the limit (100 MiB): a clear 413, not a crash.
  const big = new Uint8Array(101 * 1024 * 1024).fill(120);
  const over = await fetch(base + "/api/v1/analyze?name=big.log", { method: "POST", body: big, headers: { "Content-Type": "text/plain" } });
  const overBody = await over.json();
  check(over.status === 413 && /larger than 100 MiB/.test(overBody.error), `an upload over the limit is answered 413 (${over.status} ${overBody.error})`);
} catch (e) {
  check(false, String(e));
} finally {
  wrangler.kill();
}
if (failures) {
  console.log(log.slice(-4000));
  console.log(`${failures} Worker check(s) failed`);
  process.exit(1);
}
console.log("Worker checks passed");
