// Command parquet is the analysis API (forensics/api) with Parquet, for
// the JavaScript hosts of github.com/syumai/workers: in the browser the
// page loads it only to read a dataset or export one (the analysis module,
// wasm/, has no Parquet and is a third of the size), and on Cloudflare
// Workers (-runtime=cloudflare) it is the whole API.
package main

import (
	"strconv"

	"github.com/syumai/workers"

	"github.com/flinkdx/flinkdx/forensics/api"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

// Set at build time with -ldflags "-X main.version=… -X main.maxUpload=…".
var (
	version   = "dev"
	maxUpload = "" // bytes; empty: no limit (the browser), 100 MiB on Cloudflare's plans
)

func main() {
	limit, _ := strconv.ParseInt(maxUpload, 10, 64)
	// As in wasm/: the program must outlive its response (workers.Serve
	// ends it when the response's last bytes are read, while the host may
	// still call into it). Each request has its own instance.
	workers.ServeNonBlock(api.Handler(api.Config{Version: version, MaxBody: limit, Format: parquetfile.Format{}}))
	workers.Ready()
	select {}
}
