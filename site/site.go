// Package site is the viewer's static page: HTML, CSS and JavaScript,
// embedded in the flinkdx binary for "flinkdx view". The same files, with
// the engine built for WebAssembly under build/, are the browser viewer
// (nothing uploaded) and the Cloudflare Worker's assets.
package site

import "embed"

// Files are the page's files.
//
//go:embed index.html app.js charts.js worker.js style.css lib
var Files embed.FS
