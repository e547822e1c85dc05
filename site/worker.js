// The analysis API compiled to WebAssembly (github.com/syumai/workers
// -runtime=browser), run in this Web Worker so the page never freezes. The
// page posts the dropped files; they are streamed to the handler as one
// multipart body, a chunk at a time: a large archive is never copied whole
// into WebAssembly memory.
//
// Two builds of the same handler: build/app.wasm (wasm/) analyzes and has
// no Parquet; build/parquet.wasm (wasm/parquet/), twice its size, reads
// and writes datasets, and is loaded only for a request that needs it (a
// dropped dataset, an export, a shared dataset zip, which app.wasm answers
// 501 "needs": "parquet").
import handlers from "./build/worker.mjs";

const parquetRoutes = new Set(["dataset", "export"]);
let parquet = null;
const withParquet = async () => {
  if (!parquet) parquet = (await import("./build/parquet/worker.mjs")).default;
  return parquet;
};

const enc = new TextEncoder();

// A file name in a Content-Disposition header, escaped the way browsers do.
const quote = (s) => s.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

// multipart streams the files as a multipart/form-data body, after the
// form fields (the context's "at" keys).
function multipart(files, fields, boundary, onBytes) {
  let i = -1;
  let reader = null;
  return new ReadableStream({
    start(ctrl) {
      for (const [name, value] of Object.entries(fields)) {
        ctrl.enqueue(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`));
      }
    },
    async pull(ctrl) {
      if (reader) {
        const { done, value } = await reader.read();
        if (!done) {
          onBytes(value.byteLength);
          ctrl.enqueue(value);
          return;
        }
        reader = null;
        ctrl.enqueue(enc.encode("\r\n"));
        return;
      }
      i++;
      if (i === files.length) {
        ctrl.enqueue(enc.encode(`--${boundary}--\r\n`));
        ctrl.close();
        return;
      }
      const f = files[i];
      ctrl.enqueue(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(f.name)}"\r\n` +
        "Content-Type: application/octet-stream\r\n\r\n"));
      reader = f.file.stream().getReader();
    },
  });
}

self.onmessage = async ({ data }) => {
  const { route, files, fields = {}, query = "" } = data;
  try {
    if (data.method === "GET") {
      // The settings the analysis takes (GET /api/v1/settings).
      const res = await handlers.fetch(new Request(new URL("api/v1/" + route, self.location.href)));
      postMessage({ kind: "done", status: res.status, text: await res.text() });
      return;
    }
    let sent = 0;
    let last = 0;
    const send = async (api) => {
      const boundary = "flinkdx" + crypto.randomUUID().replaceAll("-", "");
      sent = 0;
      const body = multipart(files, fields, boundary, (n) => {
        sent += n;
        const now = performance.now();
        if (now - last > 100) {
          last = now;
          postMessage({ kind: "progress", sent });
        }
      });
      const req = new Request(new URL("api/v1/" + route + query, self.location.href), {
        method: "POST",
        body,
        duplex: "half",
        headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
      });
      return api.fetch(req);
    };
    let res = await send(parquetRoutes.has(route) ? await withParquet() : handlers);
    if (res.status === 501 && (res.headers.get("Content-Type") || "").startsWith("application/json")) {
      const body = await res.clone().json();
      if (body.needs === "parquet") res = await send(await withParquet());
    }
    postMessage({ kind: "progress", sent });
    if (res.headers.get("Content-Type") === "application/zip") {
      postMessage({ kind: "done", status: res.status, blob: await res.blob() });
    } else {
      postMessage({ kind: "done", status: res.status, text: await res.text() });
    }
  } catch (e) {
    postMessage({ kind: "error", message: String((e && e.message) || e) });
  }
};
