package api

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/forensics/table"
)

func demo(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../testdata/demo/incident.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// multipartBody makes the body a browser sends for dropped files.
func multipartBody(t *testing.T, files map[string][]byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("note", "a form field is not a file")
	for name, data := range files {
		w, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func post(t *testing.T, h http.Handler, url string, body io.Reader, ctype string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, url, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The demo case dropped as files: the findings tell the incident, the
// timeline has every series the page draws, and nothing is lost.
var flinkState = map[string]bool{"CREATED": true, "INITIALIZING": true, "RUNNING": true, "FAILING": true, "FAILED": true,
	"CANCELLING": true, "CANCELED": true, "FINISHED": true, "RESTARTING": true, "SUSPENDED": true, "RECONCILING": true}

// poisoned fills every buffer it hands out, so a string that aliases a
// batch after the batch was released reads garbage.
var poisoned = &table.PoolAllocator{Poison: true}

func TestAnalyzeDemo(t *testing.T) {
	h := Handler(Config{Version: "test", Format: parquetfile.Format{}, Allocator: poisoned})
	body, ctype := multipartBody(t, map[string][]byte{"case/incident.tar.gz": demo(t)})
	rec := post(t, h, "/api/v1/analyze", body, ctype)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var res Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.API != "v1" || res.Manifest == nil || res.Timeline == nil {
		t.Fatalf("incomplete result: api %q", res.API)
	}
	if res.Manifest.Totals.Inputs != 1 || res.Manifest.Inputs[0].Path != "case/incident.tar.gz" {
		t.Errorf("inputs %+v", res.Manifest.Inputs)
	}
	rules := map[string]bool{}
	for _, f := range res.Findings {
		rules[f.Rule] = true
		for _, e := range f.Evidence {
			if !strings.HasPrefix(e.Source, "case/incident.tar.gz!incident/") {
				t.Errorf("%s: evidence from %q", f.Rule, e.Source)
			}
		}
	}
	for _, want := range []string{"heartbeat.timeout", "job.restart", "job.restarts-exhausted", "jvm.oom", "gc.pause-spike", "checkpoint.expired", "watermark.future-jump", "backpressure.root"} {
		if !rules[want] {
			t.Errorf("no %s finding; got %v", want, rules)
		}
	}
	tl := res.Timeline
	if tl.Start == 0 || tl.End <= tl.Start || tl.BucketMs <= 0 {
		t.Errorf("time axis %d..%d by %d", tl.Start, tl.End, tl.BucketMs)
	}
	var events int
	for _, v := range tl.Volume {
		for _, n := range v {
			events += n
		}
	}
	var timed int64
	for _, s := range res.Manifest.Streams {
		if s.Kind == "flink-log" {
			timed += s.Events
		}
	}
	if events == 0 || int64(events) > timed {
		t.Errorf("log volume counts %d events; the logs have %d", events, timed)
	}
	var restarting, failed bool
	for _, s := range tl.States {
		restarting = restarting || s.Of == "job" && s.To == "RESTARTING"
		failed = failed || s.Of == "job" && s.To == "FAILED"
		if !strings.HasPrefix(s.Source, "case/incident.tar.gz!incident/jobmanager/") || s.Line == 0 {
			t.Errorf("state change without its origin: %+v", s)
		}
		if s.Of != "job" || !flinkState[s.From] || !flinkState[s.To] || len(s.Job) != 32 {
			t.Errorf("state change %+v", s)
		}
	}
	if !restarting || !failed {
		t.Errorf("job states: restarting %v, failed %v", restarting, failed)
	}
	if len(tl.GC) != 2 {
		t.Errorf("GC series of %d JVMs; the demo has 2", len(tl.GC))
	}
	var longest float64
	for _, s := range tl.GC {
		for _, p := range s.Points {
			longest = max(longest, p[1])
		}
	}
	if longest < 12000 {
		t.Errorf("longest pause %.0f ms; the demo has a 12.8 s full GC", longest)
	}
	var future bool
	for _, s := range tl.Watermarks {
		for _, p := range s.Points {
			future = future || p[1] > 2.5e12 // 2049
		}
	}
	if !future {
		t.Errorf("no watermark in 2050 among %d series", len(tl.Watermarks))
	}
}

// Export answers the same body with the dataset: a zip of manifest.json
// and Parquet files whose row counts are the manifest's.
func TestExport(t *testing.T) {
	h := Handler(Config{Version: "test", Format: parquetfile.Format{}})
	rec := post(t, h, "/api/v1/export?name=incident.tar.gz", bytes.NewReader(demo(t)), "application/octet-stream")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("status %d, %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		if !strings.HasSuffix(f.Name, ".parquet") && f.Name != "manifest.json" {
			t.Errorf("unexpected member %s", f.Name)
		}
	}
	// Every file of the manifest, in its partition folder.
	var m struct {
		Tables map[string]struct{ Files []struct{ Path string } }
	}
	f, err := zr.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		t.Fatal(err)
	}
	want := []string{"manifest.json", "findings/part-00000.parquet"}
	for _, name := range []string{"logs", "gc", "findings"} {
		if len(m.Tables[name].Files) == 0 {
			t.Errorf("the manifest lists no %s files", name)
		}
		for _, f := range m.Tables[name].Files {
			want = append(want, f.Path)
		}
	}
	if !slices.ContainsFunc(want, func(p string) bool { return strings.HasPrefix(p, "logs/date=2025-03-14/host=10.0.3.21/part-") }) {
		t.Errorf("no logs file in the partition of 2025-03-14 and 10.0.3.21: %v", want)
	}
	for _, w := range want {
		if !names[w] {
			t.Errorf("no %s in the export: %v", w, names)
		}
	}
}

func TestErrors(t *testing.T) {
	h := Handler(Config{Version: "test", Format: parquetfile.Format{}, MaxBody: 1 << 20})
	big := bytes.Repeat([]byte("2024-01-01 00:00:00,000 INFO  x - y\n"), 40000)
	for _, c := range []struct {
		name, method, url, ctype string
		body                     []byte
		status                   int
		says                     string
	}{
		{"too large, declared", http.MethodPost, "/api/v1/analyze", "text/plain", big, 413, "larger than 1 MiB"},
		{"no file", http.MethodPost, "/api/v1/analyze", "multipart/form-data; boundary=x", []byte("--x--\r\n"), 400, "no file"},
		{"bad zone", http.MethodPost, "/api/v1/analyze?tz=Mars/Olympus", "text/plain", []byte("x\n"), 400, "unknown time zone"},
		{"bad ladder", http.MethodPost, "/api/v1/analyze?severity=jvm.oom=loud", "text/plain", []byte("x\n"), 400, "severity: "},
		{"no route", http.MethodGet, "/api/v2/analyze", "", nil, 404, "no route"},
		{"not preloaded", http.MethodGet, "/api/v1/preloaded", "", nil, 404, "nothing was preloaded"},
		{"wrong method", http.MethodGet, "/api/v1/analyze", "", nil, 404, "no route GET /api/v1/analyze"},
	} {
		req := httptest.NewRequest(c.method, c.url, bytes.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.says) {
			t.Errorf("%s: %d %s; want %d saying %q", c.name, rec.Code, rec.Body, c.status, c.says)
		}
	}
	// A body of unknown length is cut at the bound and answered 413.
	req := httptest.NewRequest(http.MethodPost, "/api/v1/analyze", io.MultiReader(bytes.NewReader(big)))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 413 {
		t.Errorf("streamed oversize body: %d %s", rec.Code, rec.Body)
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"logs/tm.log": "logs/tm.log", "../../etc/passwd": "etc/passwd", "/abs/x.log": "abs/x.log",
		`C:\logs\jm.log`: "C:/logs/jm.log", "": "upload", "..": "upload",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q; want %q", in, got, want)
		}
	}
}

// A dataset exported by the viewer (or written by ingest), sent back as a
// dropped folder, gives the same findings and timeline as the files did.
// A dataset sent back scans to the same findings, its Parquet files held
// in memory or spilled to a temporary folder removed once answered.
func TestDatasetRoundTrip(t *testing.T) {
	t.Run("memory", func(t *testing.T) { datasetRoundTrip(t, "") })
	t.Run("spilled", func(t *testing.T) {
		dir := t.TempDir()
		datasetRoundTrip(t, dir)
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("%d temporary files left", len(left))
		}
	})
}

func datasetRoundTrip(t *testing.T, tempDir string) {
	h := Handler(Config{Version: "test", Format: parquetfile.Format{}, Allocator: poisoned, TempDir: tempDir})
	first := post(t, h, "/api/v1/analyze?name=incident.tar.gz", bytes.NewReader(demo(t)), "")
	var want Result
	json.Unmarshal(first.Body.Bytes(), &want)

	exp := post(t, h, "/api/v1/export?name=incident.tar.gz", bytes.NewReader(demo(t)), "")
	zr, err := zip.NewReader(bytes.NewReader(exp.Body.Bytes()), int64(exp.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		files["shared-case/"+f.Name] = data
	}
	body, ctype := multipartBody(t, files)
	rec := post(t, h, "/api/v1/dataset", body, ctype)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got Result
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// The same report, word for word, whether the detectors saw the
	// batches as ingest made them or read the tables back one by one.
	count := func(r Result) map[string]int {
		m := map[string]int{}
		for _, f := range r.Findings {
			m[fmt.Sprintf("%s %s %s ×%d: %s", f.Level, f.Rule, f.Subject, f.Count, f.Summary)]++
		}
		return m
	}
	if g, w := count(got), count(want); fmt.Sprint(g) != fmt.Sprint(w) {
		t.Errorf("findings of the dataset:\n%v\nof the files:\n%v", g, w)
	}
	if len(got.Timeline.States) != len(want.Timeline.States) || len(got.Timeline.GC) != len(want.Timeline.GC) {
		t.Errorf("timeline: %d states, %d JVMs; want %d, %d", len(got.Timeline.States), len(got.Timeline.GC), len(want.Timeline.States), len(want.Timeline.GC))
	}

	delete(files, "shared-case/manifest.json")
	body, ctype = multipartBody(t, files)
	if rec := post(t, h, "/api/v1/dataset", body, ctype); rec.Code != 400 || !strings.Contains(rec.Body.String(), "no manifest.json") {
		t.Errorf("without manifest: %d %s", rec.Code, rec.Body)
	}
}

// Each log event a finding cites comes with the events around it in its
// file, itself included, in order.
func TestEvidenceContext(t *testing.T) {
	h := Handler(Config{Version: "test", Format: parquetfile.Format{}})
	rec := post(t, h, "/api/v1/analyze?name=incident.tar.gz", bytes.NewReader(demo(t)), "")
	var res Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	cited := 0
	for _, f := range res.Findings {
		for _, e := range f.Evidence {
			if e.Table != "logs" {
				continue
			}
			cited++
			lines := res.Context[engine.ContextKey(e.Source, e.Line)]
			at := -1
			for k, l := range lines {
				if l.Line == e.Line {
					at = k
				}
				if k > 0 && l.Line <= lines[k-1].Line {
					t.Errorf("%s: context out of order: %d after %d", e.Source, l.Line, lines[k-1].Line)
				}
			}
			if at < 0 || len(lines) < 2 || len(lines) > 2*engine.ContextLines+1 {
				t.Fatalf("%s:%d (%s): context %+v", e.Source, e.Line, f.Rule, lines)
			}
			if !strings.Contains(e.Text, strings.TrimSpace(lines[at].Text[:min(20, len(lines[at].Text))])) {
				t.Errorf("%s:%d: evidence %q; the line says %q", e.Source, e.Line, e.Text, lines[at].Text)
			}
		}
	}
	if cited == 0 {
		t.Fatal("no log evidence in the demo")
	}
}

// The zip that export gives an analyst, sent back as it is, is scanned as
// a dataset: the same findings as the files it came from; export of it
// gives the same zip back. A zip of logs is still ingested.
// A zip is read in memory, or spilled to a temporary file removed once
// the request is answered.
func TestSharedZip(t *testing.T) {
	t.Run("memory", func(t *testing.T) { sharedZip(t, "") })
	t.Run("spilled", func(t *testing.T) {
		dir := t.TempDir()
		sharedZip(t, dir)
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("%d temporary files left", len(left))
		}
	})
}

func sharedZip(t *testing.T, tempDir string) {
	h := Handler(Config{Version: "test", Format: parquetfile.Format{}, Allocator: poisoned, TempDir: tempDir})
	first := post(t, h, "/api/v1/analyze?name=incident.tar.gz", bytes.NewReader(demo(t)), "")
	var want Result
	json.Unmarshal(first.Body.Bytes(), &want)
	zipped := post(t, h, "/api/v1/export?name=incident.tar.gz", bytes.NewReader(demo(t)), "").Body.Bytes()

	body, ctype := multipartBody(t, map[string][]byte{"flinkdx-dataset.zip": zipped})
	rec := post(t, h, "/api/v1/analyze", body, ctype)
	var got Result
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
		t.Fatalf("%d %v: %s", rec.Code, err, rec.Body)
	}
	if len(got.Findings) != len(want.Findings) || len(got.Findings) == 0 {
		t.Fatalf("%d findings from the zip; %d from the files", len(got.Findings), len(want.Findings))
	}
	for i := range got.Findings {
		if got.Findings[i].Summary != want.Findings[i].Summary {
			t.Errorf("finding %d: %q; want %q", i, got.Findings[i].Summary, want.Findings[i].Summary)
		}
	}
	again := post(t, h, "/api/v1/export?name=flinkdx-dataset.zip", bytes.NewReader(zipped), "")
	zr, err := zip.NewReader(bytes.NewReader(again.Body.Bytes()), int64(again.Body.Len()))
	if err != nil || len(zr.File) == 0 {
		t.Fatalf("export of the shared zip: %v", err)
	}

	// A zip of logs is an archive to ingest.
	var logs bytes.Buffer
	zw := zip.NewWriter(&logs)
	f, _ := zw.Create("jm/jobmanager.log")
	f.Write([]byte("2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.dispatcher.StandaloneDispatcher [] - Received JobGraph submission 'x' (0123456789abcdef0123456789abcdef).\n"))
	zw.Close()
	rec = post(t, h, "/api/v1/analyze?name=logs.zip", bytes.NewReader(logs.Bytes()), "")
	var r Result
	json.Unmarshal(rec.Body.Bytes(), &r)
	if rec.Code != 200 || r.Manifest == nil || r.Manifest.Totals.Events != 1 {
		t.Errorf("a zip of logs: %d %s", rec.Code, rec.Body)
	}
}

// What the viewer shows and exports holds no secret: the analysis answer
// (findings, timeline, evidence context) and the exported dataset.
func TestNoSecretInAnswers(t *testing.T) {
	const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCY"
	log := "2024-03-01 10:00:00,000 INFO  org.apache.flink.configuration.GlobalConfiguration [] - Loading configuration property: s3.secret.key, " + secret + "\n" +
		"2024-03-01 10:00:01,000 ERROR org.apache.flink.runtime.taskmanager.Task [] - Source: x (1/1) switched from RUNNING to FAILED with failure cause:\n" +
		"java.sql.SQLException: cannot connect to jdbc:postgresql://db:5432/x?user=flink&password=" + secret + "\n" +
		"\tat org.example.Sink.open(Sink.java:42)\n"
	h := Handler(Config{Version: "test", Format: parquetfile.Format{}, MaxBody: 1 << 20})
	for _, url := range []string{"/api/v1/analyze?name=taskmanager.log", "/api/v1/export?name=taskmanager.log"} {
		rec := post(t, h, url, strings.NewReader(log), "application/octet-stream")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", url, rec.Code, rec.Body.String())
		}
		body := rec.Body.Bytes()
		if strings.HasSuffix(url, "export?name=taskmanager.log") {
			// The zip's Parquet pages are compressed: read every value.
			zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			var all bytes.Buffer
			for _, f := range zr.File {
				rc, _ := f.Open()
				data, _ := io.ReadAll(rc)
				rc.Close()
				if !strings.HasSuffix(f.Name, ".parquet") {
					all.Write(data)
					continue
				}
				parquetfile.Read(bytes.NewReader(data), int64(len(data)), dataset.ReadOptions{Plain: map[string]bool{"message": true, "detail": true, "text": true}}, func(r arrow.Record) {
					for _, col := range r.Columns() {
						fmt.Fprintln(&all, col)
					}
				})
			}
			body = all.Bytes()
		}
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("%s: the secret is in the answer", url)
		}
		if strings.Contains(url, "export") && !bytes.Contains(body, []byte("******")) {
			t.Errorf("%s: no mask in the exported dataset", url)
		}
	}
}

// The browser's analysis module has no Parquet: analyze gives the same
// findings, timeline and manifest totals as a build with it, and context
// null; /api/v1/context then gives, for the cited lines, exactly the
// context the full build read back from its dataset. What needs Parquet
// answers 501 with "needs": "parquet".
func TestWithoutParquet(t *testing.T) {
	full := Handler(Config{Version: "test", Format: parquetfile.Format{}})
	lean := Handler(Config{Version: "test", Allocator: poisoned})
	files := map[string][]byte{"case/incident.tar.gz": demo(t)}
	answer := func(h http.Handler) (Result, map[string]json.RawMessage) {
		body, ctype := multipartBody(t, files)
		rec := post(t, h, "/api/v1/analyze", body, ctype)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var res Result
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(rec.Body.Bytes(), &raw)
		return res, raw
	}
	want, wantRaw := answer(full)
	got, gotRaw := answer(lean)
	for _, k := range []string{"findings", "timeline"} {
		if !bytes.Equal(gotRaw[k], wantRaw[k]) {
			t.Errorf("%s differ without Parquet:\n%.600s\nwant\n%.600s", k, gotRaw[k], wantRaw[k])
		}
	}
	if string(gotRaw["context"]) != "null" {
		t.Errorf("context %.200s; want null (nothing kept to read it from)", gotRaw["context"])
	}
	if len(want.Manifest.Inputs[0].SHA256) != 64 || got.Manifest.Inputs[0].SHA256 != "" {
		t.Errorf("sha256 %q with a dataset, %q without; want it only with one", want.Manifest.Inputs[0].SHA256, got.Manifest.Inputs[0].SHA256)
	}
	if got.Manifest.Totals != want.Manifest.Totals {
		t.Errorf("totals %+v; want %+v", got.Manifest.Totals, want.Manifest.Totals)
	}
	for name, info := range want.Manifest.Tables {
		if name == "findings" {
			continue
		}
		if g := got.Manifest.Tables[name]; g.Rows != info.Rows || len(g.Files) != 0 {
			t.Errorf("table %s: %d rows in %d files; want %d rows, no file", name, g.Rows, len(g.Files), info.Rows)
		}
	}

	// The second look: the cited lines and the job state changes (as the
	// page gathers them), a line each, before the files.
	var keys []string
	for _, f := range got.Findings {
		for _, e := range f.Evidence {
			if e.Table == "logs" {
				keys = append(keys, engine.ContextKey(e.Source, e.Line))
			}
		}
	}
	for _, s := range got.Timeline.States {
		keys = append(keys, engine.ContextKey(s.Source, s.Line))
	}
	if len(keys) == 0 || len(got.Timeline.States) == 0 {
		t.Fatal("no log evidence or no state change in the demo")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("at", strings.Join(keys, "\n"))
	w, _ := mw.CreateFormFile("file", "case/incident.tar.gz")
	w.Write(files["case/incident.tar.gz"])
	mw.Close()
	rec := post(t, lean, "/api/v1/context", &buf, mw.FormDataContentType())
	if rec.Code != http.StatusOK {
		t.Fatalf("context: status %d: %s", rec.Code, rec.Body)
	}
	var ctx struct {
		Context map[string][]Line `json:"context"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ctx); err != nil {
		t.Fatal(err)
	}
	if len(want.Context) == 0 || fmt.Sprint(ctx.Context) != fmt.Sprint(want.Context) {
		t.Errorf("context of %d keys; want %d, as read back from the dataset", len(ctx.Context), len(want.Context))
		for k, w := range want.Context {
			if fmt.Sprint(ctx.Context[k]) != fmt.Sprint(w) {
				t.Fatalf("%s:\n%+v\nwant\n%+v", k, ctx.Context[k], w)
			}
		}
	}

	for _, route := range []string{"/api/v1/export", "/api/v1/dataset"} {
		body, ctype := multipartBody(t, files)
		rec := post(t, lean, route, body, ctype)
		if rec.Code != http.StatusNotImplemented || !strings.Contains(rec.Body.String(), `"needs":"parquet"`) {
			t.Errorf("%s: status %d: %s", route, rec.Code, rec.Body)
		}
	}
	// A shared dataset zip is recognised, and sent on to Parquet.
	zipped := post(t, full, "/api/v1/export?name=incident.tar.gz", bytes.NewReader(demo(t)), "application/octet-stream")
	rec = post(t, lean, "/api/v1/analyze?name=shared.zip", bytes.NewReader(zipped.Body.Bytes()), "application/octet-stream")
	if rec.Code != http.StatusNotImplemented || !strings.Contains(rec.Body.String(), `"needs":"parquet"`) {
		t.Errorf("a shared dataset zip: status %d: %.300s", rec.Code, rec.Body)
	}
}

// endless repeats a log line forever, counting the bytes read.
type endless struct {
	line []byte
	n    int64
}

func (e *endless) Read(p []byte) (int, error) {
	for k := range p {
		p[k] = e.line[(e.n+int64(k))%int64(len(e.line))]
	}
	e.n += int64(len(p))
	return len(p), nil
}

// The context pass stops reading once every line it was asked for was
// seen with the lines after it: here, before the end of an endless log.
func TestContextStops(t *testing.T) {
	head := "2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.jobmaster.JobMaster [] - first\n" +
		"2024-03-01 10:00:01,000 WARN  org.apache.flink.runtime.jobmaster.JobMaster [] - the cited one\n"
	tail := &endless{line: []byte("2024-03-01 10:00:02,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor [] - more\n")}
	r := io.MultiReader(strings.NewReader(head), tail)
	sent := false
	next := func() (Input, error) {
		if sent {
			return Input{}, io.EOF
		}
		sent = true
		return Input{Name: "jm.log", R: r}, nil
	}
	ctx, err := engine.Context(next, []string{"jm.log:2"}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines := ctx["jm.log:2"]
	if len(lines) != 5 || lines[0].Text != "first" || lines[1].Text != "the cited one" || lines[1].Level != "WARN" || lines[4].Line != 5 {
		t.Errorf("context %+v", lines)
	}
	if tail.n > 256<<20 {
		t.Errorf("read %d bytes of an endless log for a line near its start", tail.n)
	}
}

// The severity ladder travels with a request (?severity=rule=level,…) as
// --severity does on the command line, without changing the host's.
func TestSeverityLadder(t *testing.T) {
	cfg := Config{Version: "test", Format: parquetfile.Format{}, Scan: engine.DefaultConfig()}
	if err := engine.ParseLadder("checkpoint.expired=info", cfg.Scan.Ladder); err != nil {
		t.Fatal(err)
	}
	h := Handler(cfg)
	levels := func(url string) map[string]string {
		body, ctype := multipartBody(t, map[string][]byte{"case/incident.tar.gz": demo(t)})
		rec := post(t, h, url, body, ctype)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", url, rec.Code, rec.Body)
		}
		var res Result
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range res.Findings {
			got[f.Rule] = f.Level
		}
		return got
	}
	before := levels("/api/v1/analyze")
	if before["jvm.oom"] != "critical" || before["checkpoint.expired"] != "info" {
		t.Fatalf("host's ladder: jvm.oom %q, checkpoint.expired %q", before["jvm.oom"], before["checkpoint.expired"])
	}
	with := levels("/api/v1/analyze?severity=jvm.oom%3Dwarning,watermark.future-jump%3Doff")
	if with["jvm.oom"] != "warning" || with["watermark.future-jump"] != "" || with["checkpoint.expired"] != "info" {
		t.Errorf("with the request's ladder: jvm.oom %q, watermark.future-jump %q, checkpoint.expired %q",
			with["jvm.oom"], with["watermark.future-jump"], with["checkpoint.expired"])
	}
	if again := levels("/api/v1/analyze"); again["jvm.oom"] != "critical" || again["watermark.future-jump"] == "" {
		t.Errorf("the request changed the host's ladder: %v", again)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/settings", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var s struct{ Severity string }
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil || s.Severity != "checkpoint.expired=info" {
		t.Errorf("settings: severity %q (%v)", s.Severity, err)
	}
}

// A zip that looks like a shared dataset but whose members expand far
// past it (a zip bomb) is refused before it fills the memory.
func TestDatasetZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	m, _ := zw.Create("manifest.json")
	m.Write([]byte(`{"tool": "flinkdx"}`))
	p, _ := zw.CreateHeader(&zip.FileHeader{Name: "logs/part-00000.parquet", Method: zip.Deflate})
	p.Write(make([]byte, 16<<20))
	zw.Close()
	h := Handler(Config{Version: "test", Format: parquetfile.Format{}})
	body, ctype := multipartBody(t, map[string][]byte{"shared.zip": buf.Bytes()})
	rec := post(t, h, "/api/v1/analyze", body, ctype)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "not a dataset flinkdx wrote") {
		t.Errorf("a %d-byte zip of 16 MiB: %d %.200s", buf.Len(), rec.Code, rec.Body)
	}
}
