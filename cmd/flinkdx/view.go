package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/flinkdx/flinkdx/forensics/api"
	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/site"
)

// viewReady, if set (tests), receives the URL once the server listens;
// viewStop, if set, stops it.
var (
	viewReady chan<- string
	viewStop  <-chan struct{}
	// viewIdle is how long an upload may pause before it is cut.
	viewIdle = 30 * time.Second
)

// defaultMaxUpload bounds what the page may send unless --max-upload says
// otherwise.
const defaultMaxUpload = 4 << 30

func runView(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("view", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 0, "port on 127.0.0.1 (0: a free one)")
	tz := fs.String("tz", "UTC", "time zone of log timestamps that carry none")
	layoutFlag := fs.String("layout", "", "the log4j/logback PatternLayout the Flink logs were written with, when flinkdx does not read them")
	maxBody := fs.Int64("max-upload", defaultMaxUpload, "largest upload in bytes the page may send (0: no limit)")
	sf := addScanFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: flinkdx view [DATASET | PATH...] [flags]\n\nServes the viewer on 127.0.0.1 and prints its address. With a dataset\n(a directory written by \"flinkdx ingest\") or files, the page opens on\nthat case; files can also be dropped on the page. Nothing leaves the\nmachine.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	paths, code, done := parseCommand(fs, args, func([]string) bool { return true })
	if done {
		return code
	}
	if err := sf.settle(fs); err != nil {
		fmt.Fprintf(stderr, "flinkdx view: %v\n", err)
		return exitUsage
	}
	if *maxBody < 0 {
		fmt.Fprintf(stderr, "flinkdx view: --max-upload %d: want a size in bytes, or 0 for no limit\n", *maxBody)
		return exitUsage
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx view: cannot use --tz %q: %v\n", *tz, err)
		return exitUsage
	}
	var layout *engine.Layout
	if *layoutFlag != "" {
		if layout, err = engine.CompileLayout(*layoutFlag); err != nil {
			fmt.Fprintf(stderr, "flinkdx view: --layout: %v\n", err)
			return exitUsage
		}
	}

	// --tz and the thresholds are the defaults of every analysis the page
	// asks for, not only of the case loaded at start.
	cfg := api.Config{Version: version, MaxBody: *maxBody, Site: http.FileServerFS(site.Files), Format: parquetfile.Format{},
		Location: loc, Layout: layout, Scan: sf.cfg, TempDir: os.TempDir()}
	if len(paths) > 0 {
		start := time.Now()
		res, err := preload(paths, engine.Options{Version: version, Location: loc, Layout: layout, Scan: sf.cfg, Format: parquetfile.Format{},
			Detect: true, Context: true})
		if err != nil {
			fmt.Fprintf(stderr, "flinkdx view: %v\n", err)
			return exitFailed
		}
		cfg.Preloaded = res
		fmt.Fprintf(stdout, "flinkdx view: %d findings in %d inputs (%.1fs)\n", len(res.Findings), res.Manifest.Totals.Inputs, time.Since(start).Seconds())
	}

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx view: %v\n", err)
		return exitFailed
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "flinkdx view: open %s (Ctrl-C stops)\n", url)
	srv := &http.Server{Handler: newGuard(api.Handler(cfg), ln.Addr(), viewIdle), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	stop := viewStop
	if stop == nil {
		ch := make(chan struct{})
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		go func() { <-sig; close(ch) }()
		stop = ch
	}
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if viewReady != nil {
		viewReady <- url
	}
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintf(stderr, "flinkdx view: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// preload analyses the files, or scans the dataset, the viewer opens on.
func preload(paths []string, opt engine.Options) (*api.Result, error) {
	var res *engine.Result
	var err error
	if len(paths) == 1 {
		st, err := openStore(paths[0])
		if err != nil {
			return nil, err
		}
		if _, serr := st.Size("manifest.json"); serr == nil {
			m, err := readManifest(st)
			if err != nil {
				return nil, err
			}
			res, err = engine.Scan(storeFiles{st, m}, opt.Format, m, engine.ScanOptions{Scan: opt.Scan, Timeline: true, Context: true})
			if err != nil {
				return nil, err
			}
			return &api.Result{API: api.Version, Result: res}, nil
		}
	}
	fsys, paths, err := inputFS(paths)
	if err != nil {
		return nil, err
	}
	res, err = engine.Run(engine.Paths(&input.Walker{FS: fsys}, paths), opt)
	if err != nil {
		return nil, err
	}
	return &api.Result{API: api.Version, Result: res}, nil
}
