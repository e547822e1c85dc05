// Command wasm is the analysis API (forensics/api) for the JavaScript
// hosts of github.com/syumai/workers: built with GOOS=js GOARCH=wasm, the
// same binary runs in the browser viewer's Web Worker (-runtime=browser,
// nothing uploaded) and on Cloudflare Workers (-runtime=cloudflare). Built
// natively, it serves the API on $PORT (9900), which is only useful to try
// the handler.
package main

import (
	"strconv"

	"github.com/syumai/workers"

	"github.com/flinkdx/flinkdx/forensics/api"
)

// Set at build time with -ldflags "-X main.version=… -X main.maxUpload=…".
var (
	version   = "dev"
	maxUpload = "" // bytes; empty: no limit (the browser), 100 MiB on Cloudflare's plans
)

func main() {
	limit, _ := strconv.ParseInt(maxUpload, 10, 64)
	workers.Serve(api.Handler(api.Config{Version: version, MaxBody: limit}))
}
