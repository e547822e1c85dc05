// Package api is flinkdx's analysis API: one http.Handler over the engine,
// served natively by "flinkdx view", inside the browser's Web Worker and on
// Cloudflare Workers (both through github.com/syumai/workers). Each request
// carries every file of a case and gets the whole result back, because
// those hosts start a fresh instance per request. The package decodes
// requests and encodes answers; the engine does the work. Routes and
// formats are in docs/api.md.
package api

import "github.com/flinkdx/flinkdx/forensics/engine"

// Version is the API version, in every route and response.
const Version = "v1"

// Result is the answer to an analysis: what was read, what was found, the
// series of the timeline, the context of the evidence.
type Result struct {
	API string `json:"api"`
	*engine.Result
}

// answer wraps an engine result.
func answer(r *engine.Result) *Result { return &Result{API: Version, Result: r} }

// Line is one log event shown around a piece of evidence.
type Line = engine.Line

// Input is one named stream of a request.
type Input = engine.Input
