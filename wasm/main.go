// Command wasm is the analysis API (forensics/api) without Parquet, for
// the browser viewer's Web Worker (github.com/syumai/workers,
// -runtime=browser; nothing is uploaded): it analyzes dropped files and
// reads the context of the evidence in a second pass. Reading a dataset
// and exporting one need Parquet: those requests are answered 501, and the
// page sends them to wasm/parquet, which it loads only then.
package main

import (
	"github.com/syumai/workers"

	"github.com/flinkdx/flinkdx/forensics/api"
)

// Set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	// Not workers.Serve: it returns, and so ends the program, as soon as
	// the response's last bytes are read, while the browser may still
	// call into it (the response stream's last pull): "Go program has
	// already exited" then reached the page in most 1 GiB analyses
	// (make bench-browser). Each request has its own instance, which the
	// browser frees with the worker's references to it.
	workers.ServeNonBlock(api.Handler(api.Config{Version: version}))
	workers.Ready()
	select {}
}
