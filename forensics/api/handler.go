package api

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
)

// Config configures the handler.
type Config struct {
	// Version is flinkdx's version, reported by /api/v1/version.
	Version string
	// MaxBody bounds a request body in bytes (0: no bound); a larger body
	// is answered 413.
	MaxBody int64
	// Preloaded, if set, is the result "flinkdx view" computed at start
	// (GET /api/v1/preloaded and /api/v1/preloaded/export).
	Preloaded *Result
	// Site, if set, serves every path outside /api/.
	Site http.Handler
	// Allocator holds the batches' buffers (table.Pool if nil).
	Allocator memory.Allocator
	// Format is the dataset's file format (parquetfile.Format). A build
	// without it (the browser's analysis module) writes and reads no
	// Parquet: analyze answers without context (see /api/v1/context), and
	// what needs Parquet answers 501 with "needs": "parquet", for the
	// client to ask a build that has it.
	Format dataset.Format
	// Location and Scan are the defaults of every analysis (--tz and the
	// threshold flags of "flinkdx view"); a request's ?tz= and threshold
	// parameters win over them.
	Location *time.Location
	Layout   *engine.Layout
	Scan     engine.Config
	// TempDir, if set, is where a zip sent as a request's first file is
	// spilled while it is read (its directory is at its end): memory
	// then holds none of it. Empty (the browser, a Worker): in memory.
	TempDir string
}

// Handler is the analysis API.
//
//	GET  /api/v1/version            {"api":"v1","version":…}
//	GET  /api/v1/settings           the thresholds an analysis takes (?name=value), with their defaults and help
//	POST /api/v1/analyze            body: multipart/form-data (a part per file) or one raw stream (?name=)
//	                                → Result as JSON
//	POST /api/v1/export             same body → the dataset as a zip of Parquet files and manifest.json
//	POST /api/v1/context            multipart: a field "at" (source:line keys, a line each), then the files
//	                                → {"api":"v1","context":…}
//	POST /api/v1/dataset            multipart: a dataset's manifest.json and Parquet files → Result
//	GET  /api/v1/preloaded[/export] the case "flinkdx view" was started with
func Handler(cfg Config) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"api": Version, "version": cfg.Version, "preloaded": cfg.Preloaded != nil})
	})
	mux.HandleFunc("GET /api/v1/settings", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, settings(cfg))
	})
	mux.HandleFunc("POST /api/v1/analyze", func(w http.ResponseWriter, r *http.Request) {
		res, ok := analyzeRequest(w, r, cfg)
		if ok {
			writeJSON(w, http.StatusOK, res)
		}
	})
	mux.HandleFunc("POST /api/v1/context", func(w http.ResponseWriter, r *http.Request) {
		if ctx, ok := contextRequest(w, r, cfg); ok {
			writeJSON(w, http.StatusOK, map[string]any{"api": Version, "context": ctx})
		}
	})
	mux.HandleFunc("POST /api/v1/dataset", func(w http.ResponseWriter, r *http.Request) {
		if cfg.Format == nil {
			needsParquet(w)
			return
		}
		if res, ok := datasetRequest(w, r, cfg); ok {
			writeJSON(w, http.StatusOK, res)
		}
	})
	mux.HandleFunc("POST /api/v1/export", func(w http.ResponseWriter, r *http.Request) {
		if cfg.Format == nil {
			needsParquet(w)
			return
		}
		if res, ok := analyzeRequest(w, r, cfg); ok {
			writeZip(w, res)
		}
	})
	mux.HandleFunc("GET /api/v1/preloaded", func(w http.ResponseWriter, r *http.Request) {
		if cfg.Preloaded == nil {
			writeError(w, http.StatusNotFound, "nothing was preloaded: start flinkdx view with a dataset or files")
			return
		}
		writeJSON(w, http.StatusOK, cfg.Preloaded)
	})
	mux.HandleFunc("GET /api/v1/preloaded/export", func(w http.ResponseWriter, r *http.Request) {
		if cfg.Preloaded == nil || cfg.Preloaded.Dataset == nil {
			writeError(w, http.StatusNotFound, "nothing was preloaded")
			return
		}
		writeZip(w, cfg.Preloaded)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s (API %s: see docs/api.md)", r.Method, r.URL.Path, Version))
	})
	if cfg.Site != nil {
		mux.Handle("/", cfg.Site)
	}
	return mux
}

// bodyLimit bounds a request body to the host's limit and remembers
// whether the bound was hit, wherever the read error went (the ingester
// records a read error in the manifest and goes on).
type bodyLimit struct {
	io.ReadCloser
	hit bool
}

func (b *bodyLimit) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.hit = true
	}
	return n, err
}

// limit puts the host's bound on r's body; it answers 413 and returns nil
// when the declared length is over it already.
func limit(w http.ResponseWriter, r *http.Request, cfg Config) *bodyLimit {
	if cfg.MaxBody > 0 && r.ContentLength > cfg.MaxBody {
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge(cfg.MaxBody))
		return nil
	}
	b := &bodyLimit{ReadCloser: r.Body}
	if cfg.MaxBody > 0 {
		b.ReadCloser = http.MaxBytesReader(w, r.Body, cfg.MaxBody)
	}
	r.Body = b
	return b
}

// failed answers a failed request: 413 when the body went over the bound,
// else 400 with err. It reports whether it answered.
func failed(w http.ResponseWriter, err error, body *bodyLimit, cfg Config) bool {
	switch {
	case body.hit:
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge(cfg.MaxBody))
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		return false
	}
	return true
}

// analyzeRequest reads the files of a request and analyzes them; on
// failure it has answered the request.
func analyzeRequest(w http.ResponseWriter, r *http.Request, cfg Config) (*Result, bool) {
	body, opt, ok := start(w, r, cfg)
	if !ok {
		return nil, false
	}
	next, err := inputs(r, nil)
	if failed(w, err, body, cfg) {
		return nil, false
	}
	// A zip of a dataset (what export gives an analyst to share) is
	// scanned as that dataset, not ingested.
	next, shared, cleanup, err := sharedDataset(next, opt, cfg.TempDir)
	defer cleanup()
	if errors.Is(err, errNeedsParquet) {
		needsParquet(w)
		return nil, false
	}
	if failed(w, err, body, cfg) {
		return nil, false
	}
	if shared != nil {
		return shared, true
	}
	res, err := engine.Run(engine.Streams(next), opt)
	if failed(w, err, body, cfg) {
		return nil, false
	}
	return answer(res), true
}

// start bounds a request's body and reads its analysis options: ?tz=,
// ?layout= (a PatternLayout), ?severity= (the ladder, rule=level,…) and a
// parameter per threshold (?pause-spike=2s); on failure it has answered the request.
func start(w http.ResponseWriter, r *http.Request, cfg Config) (*bodyLimit, engine.Options, bool) {
	opt := engine.Options{Version: cfg.Version, Location: cfg.Location, Layout: cfg.Layout, Scan: cfg.Scan, Allocator: cfg.Allocator,
		Format: cfg.Format, Detect: true, Context: true}
	body := limit(w, r, cfg)
	if body == nil {
		return nil, opt, false
	}
	q := r.URL.Query()
	if tz := q.Get("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown time zone %q", tz))
			return nil, opt, false
		}
		opt.Location = loc
	}
	if p := q.Get("layout"); p != "" {
		l, err := engine.CompileLayout(p)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return nil, opt, false
		}
		opt.Layout = l
	}
	if v := q.Get("severity"); v != "" {
		// The host's ladder stays as it is: the request's is a copy.
		ladder := maps.Clone(opt.Scan.Ladder)
		if ladder == nil {
			ladder = map[string]engine.Severity{}
		}
		if err := engine.ParseLadder(v, ladder); err != nil {
			writeError(w, http.StatusBadRequest, "severity: "+err.Error())
			return nil, opt, false
		}
		opt.Scan.Ladder = ladder
	}
	for _, t := range engine.Thresholds() {
		if v := q.Get(t.Name); v != "" {
			if err := opt.Scan.Set(t.Name, v); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return nil, opt, false
			}
		}
	}
	return body, opt, true
}

// settings lists the options of an analysis with the values this host
// starts from: the viewer's settings panel is made from it.
func settings(cfg Config) map[string]any {
	c := cfg.Scan // a zero Config reads as the defaults
	tz := "UTC"
	if cfg.Location != nil {
		tz = cfg.Location.String()
	}
	type setting struct {
		engine.Threshold
		Value string `json:"value"`
	}
	var ts []setting
	for _, t := range engine.Thresholds() {
		ts = append(ts, setting{t, c.Text(t.Name)})
	}
	layout := ""
	if cfg.Layout != nil {
		layout = cfg.Layout.String()
	}
	return map[string]any{"api": Version, "tz": tz, "layout": layout, "severity": c.LadderText(), "thresholds": ts}
}

// maxContextKeys bounds the "at" field of a context request.
const maxContextKeys = 8 << 20

// contextRequest reads the keys and the files of a context request and
// returns the events around the keyed ones; on failure it has answered
// the request.
func contextRequest(w http.ResponseWriter, r *http.Request, cfg Config) (map[string][]Line, bool) {
	body, opt, ok := start(w, r, cfg)
	if !ok {
		return nil, false
	}
	var keys []string
	next, err := inputs(r, func(name string, f io.Reader) error {
		if name != "at" {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(f, maxContextKeys+1))
		if err == nil && len(b) > maxContextKeys {
			err = fmt.Errorf("the field \"at\" is larger than %d MiB", maxContextKeys>>20)
		}
		keys = append(keys, strings.Fields(string(b))...)
		return err
	})
	if failed(w, err, body, cfg) {
		return nil, false
	}
	// The keys come before the files: reading up to the first file reads
	// them.
	first, err := next()
	if failed(w, err, body, cfg) {
		return nil, false
	}
	ctx, err := engine.Context(again(first, next), keys, opt)
	if failed(w, err, body, cfg) {
		return nil, false
	}
	return ctx, true
}

// errNeedsParquet: the request needs Parquet, which this build lacks.
var errNeedsParquet = errors.New("this build reads and writes no Parquet")

// needsParquet answers a request this build cannot serve: the browser's
// analysis module leaves Parquet to a second module, which the page loads
// when it is needed and sends the request to again.
func needsParquet(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotImplemented, map[string]string{"api": Version, "error": errNeedsParquet.Error(), "needs": "parquet"})
}

func tooLarge(n int64) string {
	return fmt.Sprintf("request body larger than %d MiB, the limit of this host: run flinkdx on your machine for larger cases", n>>20)
}

// inputs returns the files of a request one at a time: the parts of a
// multipart/form-data body in order (each read as it arrives, never held
// whole), or the body itself named by ?name=. Form fields that are not
// files go to field, if not nil, as they come.
func inputs(r *http.Request, field func(name string, r io.Reader) error) (func() (Input, error), error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "upload"
		}
		done := false
		return func() (Input, error) {
			if done {
				return Input{}, io.EOF
			}
			done = true
			return Input{Name: name, R: r.Body}, nil
		}, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("cannot read the multipart body: %w", err)
	}
	n := 0
	return func() (Input, error) {
		for {
			p, err := mr.NextPart()
			if err != nil {
				if err == io.EOF && n == 0 {
					return Input{}, errors.New("the request holds no file")
				}
				return Input{}, err
			}
			// Part.FileName drops directories; the browser sends a folder's
			// files with their relative path, which is worth keeping (as a
			// label only).
			_, params, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
			name, ok := params["filename"]
			if !ok {
				// A form field, not a file.
				if field != nil {
					if err := field(p.FormName(), p); err != nil {
						return Input{}, err
					}
				}
				continue
			}
			n++
			return Input{Name: cleanName(name), R: p}, nil
		}
	}, nil
}

// cleanName keeps a client's file name as a label: slashes, no "..", no
// leading "/".
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	clean := path.Clean("/" + name)[1:]
	if clean == "" {
		return "upload"
	}
	return clean
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"api": Version, "error": msg})
}

// writeZip sends the dataset: manifest.json and every Parquet file,
// stored (Parquet pages are compressed already).
func writeZip(w http.ResponseWriter, res *Result) {
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="flinkdx-dataset.zip"`)
	zw := zip.NewWriter(w)
	names := make([]string, 0, len(res.Dataset.Files))
	for n := range res.Dataset.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store, Modified: time.Unix(0, 0).UTC()})
		if err != nil {
			return
		}
		if _, err := f.Write(res.Dataset.Files[n]); err != nil {
			return
		}
	}
	zw.Close()
}
