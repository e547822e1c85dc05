// The analysis API compiled to WebAssembly (wasm/, github.com/syumai/workers
// -runtime=browser), run in this Web Worker so the page never freezes. The
// page posts the dropped files; they are streamed to the handler as one
// multipart body, a chunk at a time: a large archive is never copied whole
// into WebAssembly memory.
import handlers from "./build/worker.mjs";

const enc = new TextEncoder();

// A file name in a Content-Disposition header, escaped the way browsers do.
const quote = (s) => s.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

function multipart(files, boundary, onBytes) {
  let i = -1;
  let reader = null;
  return new ReadableStream({
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
  const { route, files } = data;
  try {
    const boundary = "flinkdx" + crypto.randomUUID().replaceAll("-", "");
    let sent = 0;
    let last = 0;
    const body = multipart(files, boundary, (n) => {
      sent += n;
      const now = performance.now();
      if (now - last > 100) {
        last = now;
        postMessage({ kind: "progress", sent });
      }
    });
    const req = new Request(new URL("api/v1/" + route, self.location.href), {
      method: "POST",
      body,
      duplex: "half",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
    });
    const res = await handlers.fetch(req);
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
