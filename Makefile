# flinkdx: `make demo` and `make test` are what a new user runs.
GO        ?= go
GOROOT    := $(shell $(GO) env GOROOT)
WASM_EXEC := $(GOROOT)/lib/wasm/go_js_wasm_exec
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
BIN       := bin/flinkdx
FUZZTIME  ?= 30s
# Executions spent shrinking each new input the fuzzer keeps. Go's default,
# 60 s, went mostly to shrinking 60 KiB HistoryServer archives one at a
# time: FuzzREST ran 30 inputs in a minute, against 6,000 a second with this.
FUZZMINIMIZE ?= 200x
BENCH_DIR := testdata/bench
# WebAssembly builds use Arrow's pure-Go kernels (its assembly ones are
# wired up only on amd64 and arm64).
WASM_TAGS := -tags noasm
# The viewer's charting library, copied from npm (see "charts" below);
# defined before the rules that need it (make expands prerequisites as
# it reads them).
UPLOT     := site/lib/uPlot.iife.min.js

.PHONY: bench-s3 hostile charts score bench-fleet bench-peers build test test-native test-wasm test-browser test-worker test-duckdb viewer wasm-size bench-browser worker worker-dev fuzz fuzz-brief demo bench bench-data pgo wasm lint clean

build: $(UPLOT)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/flinkdx

# The viewer's charts: uPlot from npm (site/package.json pins it), copied
# into site/lib/ where the binary embeds it and the static page loads it.
# Without npm the binary is still built; the page then says the charts
# are missing.
charts: $(UPLOT)
$(UPLOT): site/package.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd site && npm install --no-audit --no-fund --silent && \
	  cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css lib/ && \
	  cp node_modules/uplot/LICENSE lib/uPlot.LICENSE; \
	else echo "charts: no npm, the viewer is built without its charts (apt-get install npm)"; fi

# Unit, golden and pipeline tests natively and as WebAssembly under node,
# plus a brief run of every fuzz target.
test: lint test-native score test-wasm test-browser test-worker test-duckdb hostile fuzz-brief

# "flinkdx view" attacked as an adversary would (cmd/hostile): bombs,
# a large zip, DNS rebinding, a cross-origin POST, a stalled upload; each
# answer checked and the server's peak RSS kept under 512 MiB.
hostile: build
	$(GO) run ./cmd/hostile -flinkdx $(BIN) -max-rss 512

# The real-incident corpus (testdata/incidents): the hit rate per class
# and the cases missed (forensics/engine/incidents_test.go).
score:
	$(GO) test -count=1 -run '^TestIncidents$$' -v ./forensics/engine | grep -E 'incidents_test|^(ok|FAIL|---)'

# The object-storage tests run against real servers on 127.0.0.1:
# versitygw for S3 (.ci/run installs it; VERSITYGW or the PATH) and
# Azurite for Azure Blob Storage (npm, installed here into out/azurite).
# Outside CI a test whose server is missing is skipped, saying so.
AZURITE_VERSION := 3.35.0
AZURITE   := out/azurite/node_modules/.bin/azurite-blob
$(AZURITE):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p out/azurite && npm install --prefix out/azurite --no-audit --no-fund --silent azurite@$(AZURITE_VERSION); \
	else echo "test-native: no npm, the Azure Blob Storage tests are skipped (apt-get install npm)"; fi

test-native: $(AZURITE)
	AZURITE=$(if $(wildcard $(AZURITE)),$(abspath $(AZURITE))) $(GO) test -count=1 ./...

# The browser's analysis module must stay free of Parquet and within its
# budget: 6 MB gzipped (issue 6).
WASM_BUDGET := 6000000
test-wasm:
	GOOS=js GOARCH=wasm $(GO) build $(WASM_TAGS) ./forensics/... ./wasm/...
	@if GOOS=js GOARCH=wasm $(GO) list $(WASM_TAGS) -deps ./wasm | grep -q parquet-go; then echo "wasm/ links parquet-go: the analysis module must not"; exit 1; fi
	@mkdir -p out && GOOS=js GOARCH=wasm $(GO) build $(WASM_TAGS) -trimpath -ldflags "-s -w" -o out/app-budget.wasm ./wasm && \
	  n=$$(gzip -9 -c out/app-budget.wasm | wc -c) && echo "app.wasm: $$n bytes gzipped (budget $(WASM_BUDGET))" && test $$n -le $(WASM_BUDGET)
	GOOS=js GOARCH=wasm $(GO) test $(WASM_TAGS) -count=1 -exec "$(WASM_EXEC)" ./forensics/...

# A count, not a duration: a duration -fuzztime can fail with "context
# deadline exceeded" and no crasher when a worker is slow to stop at the
# deadline on a loaded machine (Go's fuzz coordinator, go.dev/issue/75804,
# fixed in Go 1.27; this toolchain is 1.26).
fuzz-brief:
	$(MAKE) fuzz FUZZTIME=3000x

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/flinklog
	$(GO) test -run '^$$' -fuzz '^FuzzLayout$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/flinklog
	$(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/input
	$(GO) test -run '^$$' -fuzz '^FuzzLegacy$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/gclog
	$(GO) test -run '^$$' -fuzz '^FuzzUnified$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/gclog
	$(GO) test -run '^$$' -fuzz '^FuzzPrometheus$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/metrics
	$(GO) test -run '^$$' -fuzz '^FuzzInflux$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/metrics
	$(GO) test -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/metrics
	$(GO) test -run '^$$' -fuzz '^FuzzREST$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/flinkrest
	$(GO) test -run '^$$' -fuzz '^FuzzPods$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/platform
	$(GO) test -run '^$$' -fuzz '^FuzzLines$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/platform
	$(GO) test -run '^$$' -fuzz '^FuzzLine$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/redact
	$(GO) test -run '^$$' -fuzz '^FuzzSecret$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/redact
	$(GO) test -run '^$$' -fuzz '^FuzzText$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./forensics/input

lint:
	@test -z "$$(gofmt -l cmd forensics)" || { gofmt -l cmd forensics; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

# The browser viewer: the analysis API built for WebAssembly with
# syumai/workers' browser glue, beside the page in site/build/. Two builds:
# app.wasm (wasm/, no Parquet) analyzes; parquet.wasm (wasm/parquet/) reads
# and exports datasets and is loaded only then. The second copy of the
# glue, in site/build/parquet/, is the generator's with its module's name.
viewer: $(UPLOT)
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -runtime=browser -o site/build
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -runtime=browser -o site/build/parquet
	sed -i 's|"./build/app.wasm"|"./build/parquet.wasm"|' site/build/parquet/runtime.mjs
	grep -q '"./build/parquet.wasm"' site/build/parquet/runtime.mjs
	GOOS=js GOARCH=wasm $(GO) build $(WASM_TAGS) -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o site/build/app.wasm ./wasm
	GOOS=js GOARCH=wasm $(GO) build $(WASM_TAGS) -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o site/build/parquet.wasm ./wasm/parquet

# The viewer in headless Chromium (Debian's, never a downloaded one):
# "flinkdx view", the WebAssembly page, and log text that looks like HTML.
# Outside CI a machine without /usr/bin/chromium skips them, saying so.
test-browser: build viewer
	@if [ ! -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then \
	  if [ -n "$$CI" ]; then echo "test-browser: no chromium (apt-get install chromium)"; exit 1; fi; \
	  echo "test-browser: SKIPPED, no /usr/bin/chromium (apt-get install chromium)"; \
	else \
	  set -e; cd site && npm install --no-audit --no-fund --silent && cd .. && node site/e2e/viewer.mjs; \
	fi

# The size of the WebAssembly builds (raw and gzipped) and the time from
# dropping the demo archive on the static page to its findings.
wasm-size: viewer
	@for m in app parquet; do echo "$$m.wasm: $$(stat -c %s site/build/$$m.wasm | awk '{printf "%.1f MB", $$1/1e6}') raw, $$(gzip -9 -c site/build/$$m.wasm | wc -c | awk '{printf "%.2f MB", $$1/1e6}') gzipped"; done
	@echo "(app.wasm is what the page loads to analyze; parquet.wasm only when a dataset is read or exported)"
	cd site && npm install --no-audit --no-fund --silent
	ONLY=first-findings node site/e2e/viewer.mjs | grep -E "first findings|passed|FAIL"

# The browser on a 1 GiB log: time and Chromium's memory, beside the CLI.
$(BENCH_DIR)/big/taskmanager-1g.log:
	@mkdir -p $(BENCH_DIR)/big
	$(GO) run ./cmd/benchgen -size 1GiB -o $@
bench-browser: build viewer $(BENCH_DIR)/big/taskmanager-1g.log
	cd site && npm install --no-audit --no-fund --silent
	node site/e2e/large.mjs $(BENCH_DIR)/big/taskmanager-1g.log

# The Cloudflare Worker: the same handler with the -runtime=cloudflare glue
# and a 100 MiB upload limit (Cloudflare's request body limit on the Free
# and Pro plans), the page as static assets, under out/worker/.
WORKER_MAX_UPLOAD := 104857600
worker: $(UPLOT)
	rm -rf out/worker && mkdir -p out/worker/site
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -runtime=cloudflare -o out/worker/build
	GOOS=js GOARCH=wasm $(GO) build $(WASM_TAGS) -trimpath -ldflags "-s -w -X main.version=$(VERSION) -X main.maxUpload=$(WORKER_MAX_UPLOAD)" -o out/worker/build/app.wasm ./wasm/parquet
	cp -r site/index.html site/app.js site/charts.js site/worker.js site/style.css site/lib out/worker/site/
	@echo "worker: app.wasm $$(du -h out/worker/build/app.wasm | cut -f1), gzipped $$(gzip -9 -c out/worker/build/app.wasm | wc -c | numfmt --to=iec)"

# The Worker under wrangler dev: the demo analysed, the page served, an
# oversized upload answered 413.
test-worker: build worker
	cd wasm && npm install --no-audit --no-fund --silent
	node wasm/e2e/worker.mjs

# DuckDB (@duckdb/node-api) reads datasets written by flinkdx: the demo's,
# and one of every real sample in testdata/ (logs, GC logs, metrics, REST,
# platform): every value, row counts as in the manifest, types as
# docs/schema.md documents them.
DUCKDB_INPUTS := testdata/flinklog testdata/gc testdata/metrics testdata/flinkrest testdata/container testdata/slf4j
test-duckdb: build
	cd site && npm install --no-audit --no-fund --silent
	rm -rf out/duckdb && mkdir -p out/duckdb
	./$(BIN) analyze testdata/demo/incident.tar.gz -o out/duckdb/demo --quiet
	./$(BIN) analyze $(DUCKDB_INPUTS) -o out/duckdb/samples --quiet
	./$(BIN) ingest $(DUCKDB_INPUTS) -o out/duckdb/compacted --quiet
	./$(BIN) ingest testdata/demo/incident.tar.gz -o out/duckdb/compacted --quiet
	./$(BIN) compact out/duckdb/compacted
	node site/e2e/duckdb.mjs out/duckdb/demo out/duckdb/samples out/duckdb/compacted

# Run the Worker locally (workerd through wrangler, offline).
worker-dev: worker
	cd wasm && npm install --no-audit --no-fund --silent
	cd wasm && CI=true WRANGLER_SEND_METRICS=false npx wrangler dev --ip 127.0.0.1 --port 8787

# Ingest the bundled incident archive, print what it shows, write Parquet.
demo: build
	./$(BIN) analyze testdata/demo/incident.tar.gz -o out/demo

# Benchmark data: deterministic TaskManager and GC logs from real line shapes.
# The fleet: 14 days of a 20-TaskManager cluster (rotated .gz logs, GC
# logs, scrapes, 2 GiB of text) with incidents planted at known times.
FLEET := $(BENCH_DIR)/fleet
bench-data: $(BENCH_DIR)/taskmanager.log $(BENCH_DIR)/taskmanager.log.gz $(BENCH_DIR)/taskmanager.log.zst $(BENCH_DIR)/big/taskmanager.log \
	$(BENCH_DIR)/gc-g1.log $(BENCH_DIR)/gc-cms.log $(BENCH_DIR)/big/gc-g1.log $(BENCH_DIR)/metrics.prom $(BENCH_DIR)/big/metrics.prom \
	$(BENCH_DIR)/big/taskmanager-1g.log $(BENCH_DIR)/big/taskmanager-1g.log.gz $(BENCH_DIR)/big/taskmanager-1g.log.zst \
	$(BENCH_DIR)/big/taskmanager-8g.log $(FLEET)

$(FLEET):
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/benchgen -kind fleet -size 2GiB -o $@
$(BENCH_DIR)/big/taskmanager-1g.log.gz:
	@mkdir -p $(BENCH_DIR)/big
	$(GO) run ./cmd/benchgen -size 1GiB -format gz -o $@
$(BENCH_DIR)/big/taskmanager-1g.log.zst:
	@mkdir -p $(BENCH_DIR)/big
	$(GO) run ./cmd/benchgen -size 1GiB -format zst -o $@
$(BENCH_DIR)/big/taskmanager-8g.log:
	@mkdir -p $(BENCH_DIR)/big
	$(GO) run ./cmd/benchgen -size 8GiB -o $@

$(BENCH_DIR)/taskmanager.log:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/benchgen -size 512MiB -o $@
$(BENCH_DIR)/taskmanager.log.gz:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/benchgen -size 512MiB -format gz -o $@
$(BENCH_DIR)/taskmanager.log.zst:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/benchgen -size 512MiB -format zst -o $@
$(BENCH_DIR)/big/taskmanager.log:
	@mkdir -p $(BENCH_DIR)/big
	$(GO) run ./cmd/benchgen -size 2GiB -o $@
$(BENCH_DIR)/gc-g1.log:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/benchgen -kind g1 -size 256MiB -o $@
$(BENCH_DIR)/gc-cms.log:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/benchgen -kind cms -size 256MiB -o $@
$(BENCH_DIR)/big/gc-g1.log:
	@mkdir -p $(BENCH_DIR)/big
	$(GO) run ./cmd/benchgen -kind g1 -size 1GiB -o $@
$(BENCH_DIR)/metrics.prom:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/benchgen -kind prom -size 256MiB -o $@
$(BENCH_DIR)/big/metrics.prom:
	@mkdir -p $(BENCH_DIR)/big
	$(GO) run ./cmd/benchgen -kind prom -size 1GiB -o $@

# Ingest throughput (MB/s of uncompressed log) and peak RSS, end to end
# through the CLI: 512 MiB plain, .gz and .zst, then 2 GiB plain; GC logs
# (G1 256 MiB and 1 GiB, CMS 256 MiB).
bench: build bench-data
	$(GO) test -run '^$$' -bench . -benchmem ./forensics/...
	@for f in taskmanager.log taskmanager.log.gz taskmanager.log.zst big/taskmanager.log gc-g1.log gc-cms.log big/gc-g1.log metrics.prom big/metrics.prom; do \
	  rm -rf out/bench; echo "== $$f"; \
	  ./$(BIN) ingest $(BENCH_DIR)/$$f -o out/bench --stats | grep -E 'inputs|peak'; \
	done
	rm -rf out/bench && ./$(BIN) ingest $(BENCH_DIR)/taskmanager.log -o out/bench --quiet
	./$(BIN) scan out/bench | head -1
	$(GO) test -run '^$$' -bench ScanDataset -benchtime 3x ./forensics/scan
	$(MAKE) bench-fleet bench-peers

# The fleet archive: ingest time, dataset size against input size, the
# files compact leaves, and the scan finding every planted incident at its
# time.
bench-fleet: build $(FLEET)
	rm -rf out/fleet
	./$(BIN) ingest $(FLEET) -o out/fleet --stats | grep -E '^flinkdx|^stats'
	@echo "input $$(du -sb $(FLEET) | cut -f1) bytes, dataset $$(du -sb out/fleet | cut -f1) bytes, $$(find out/fleet -name '*.parquet' | wc -l) Parquet files"
	cd site && npm install --no-audit --no-fund --silent
	node site/e2e/prune.mjs out/fleet
	@start=$$(date +%s.%N); ./$(BIN) compact out/fleet; echo "compact: $$(awk "BEGIN { printf \"%.2f\", $$(date +%s.%N) - $$start }") s"
	@echo "after compact: dataset $$(du -sb out/fleet | cut -f1) bytes, $$(find out/fleet -name '*.parquet' | wc -l) Parquet files"
	node site/e2e/prune.mjs out/fleet
	./$(BIN) scan out/fleet --format json > out/fleet-findings.json
	$(GO) run ./cmd/benchgen -kind fleet -o $(FLEET) -check out/fleet-findings.json
	$(MAKE) bench-s3

# The fleet from a bucket into a bucket (versitygw on loopback, objects as
# plain files) beside from disk into a directory: throughput, CPU, peak
# memory, and the same rows and findings. Runs alternate, ROUNDS of each.
VERSITYGW ?= $(shell command -v versitygw 2>/dev/null || echo bin/versitygw)
ROUNDS    ?= 1
bench-s3: build $(FLEET)
	@test -x "$(VERSITYGW)" || GOBIN=$(abspath bin) $(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0
	@rm -rf out/s3 out/s3-local && mkdir -p out/s3/logs out/s3/cases && (cp -al $(FLEET) out/s3/logs/fleet 2>/dev/null || cp -a $(FLEET) out/s3/logs/fleet)
	@ROOT_ACCESS_KEY=bench ROOT_SECRET_KEY=bench-secret-0 $(VERSITYGW) --port 127.0.0.1:7071 --health /health posix out/s3 >out/s3.log 2>&1 & pid=$$!; \
	  trap "kill $$pid" EXIT; \
	  until curl -sf http://127.0.0.1:7071/health >/dev/null; do sleep 0.1; done; \
	  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-0; E='?endpoint=http://127.0.0.1:7071'; \
	  for i in $$(seq $(ROUNDS)); do \
	    rm -rf out/s3-local out/s3/cases/fleet; \
	    /usr/bin/time -f "  local: %e s wall, %U+%S s CPU, %M KiB peak" ./$(BIN) ingest $(FLEET) -o out/s3-local --stats | grep -E '^stats' | sed 's/^/  local: /'; \
	    /usr/bin/time -f "  s3:    %e s wall, %U+%S s CPU, %M KiB peak" ./$(BIN) ingest "s3://logs/fleet$$E" -o "s3://cases/fleet$$E" --stats | grep -E '^stats' | sed 's/^/  s3:    /'; \
	  done; \
	  ./$(BIN) scan out/s3-local --format json > out/s3-local-findings.json; \
	  ./$(BIN) scan "s3://cases/fleet$$E" --format json > out/s3-findings.json; \
	  $(GO) run ./cmd/benchgen -kind fleet -o $(FLEET) -check out/s3-findings.json >/dev/null && echo "  s3: every planted incident found"; \
	  node -e 'const [a,b]=process.argv.slice(1).map(f=>JSON.parse(require("fs").readFileSync(f)));const m=d=>JSON.stringify(d.findings.map(f=>[f.rule,f.start_ms,f.end_ms,f.count]));if(m(a)!==m(b)){console.log("  findings differ");process.exit(1)}console.log("  same "+a.findings.length+" findings from the bucket as from disk")' out/s3-local-findings.json out/s3-findings.json; \
	  node -e 'const [a,b]=process.argv.slice(1).map(f=>JSON.parse(require("fs").readFileSync(f)));const t=m=>JSON.stringify([m.totals,Object.fromEntries(Object.entries(m.tables).map(([k,v])=>[k,v.rows]))]);if(t(a)!==t(b)){console.log("  datasets differ:\n"+t(a)+"\n"+t(b));process.exit(1)}console.log("  same inputs and rows: "+a.totals.inputs+" inputs, "+a.tables.logs.rows+" log rows")' out/s3-local/manifest.json out/s3/cases/fleet/manifest.json

# flinkdx and its peers on the same 1 GiB log, in one run: DuckDB
# (regexp extraction to Parquet, same threads), lnav (Debian package:
# apt-get install lnav), gzip -d and zstd -d on its compressed forms,
# wc -l; and flinkdx's peak memory on 8 GiB against 1 GiB.
bench-peers: build $(BENCH_DIR)/big/taskmanager-1g.log $(BENCH_DIR)/big/taskmanager-1g.log.gz $(BENCH_DIR)/big/taskmanager-1g.log.zst $(BENCH_DIR)/big/taskmanager-8g.log
	@command -v lnav >/dev/null || echo "bench-peers: no lnav (apt-get install lnav); its row is left out"
	cd site && npm install --no-audit --no-fund --silent
	$(GO) run ./cmd/benchpeers -flinkdx $(BIN) -log $(BENCH_DIR)/big/taskmanager-1g.log -big $(BENCH_DIR)/big/taskmanager-8g.log

# Refresh the profile the Go toolchain optimises the binary with
# (cmd/flinkdx/default.pgo, profile-guided optimisation) from the 512 MiB log.
pgo: build $(BENCH_DIR)/taskmanager.log
	rm -rf out/pgo
	./$(BIN) ingest $(BENCH_DIR)/taskmanager.log -o out/pgo --quiet --cpuprofile cmd/flinkdx/default.pgo

# The engine built for WebAssembly (every package of forensics/ must
# build), and the browser's analysis module, bin/app.wasm.
wasm:
	GOOS=js GOARCH=wasm $(GO) build $(WASM_TAGS) ./forensics/...
	@mkdir -p bin
	GOOS=js GOARCH=wasm $(GO) build $(WASM_TAGS) -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/app.wasm ./wasm
	@echo "bin/app.wasm: $$(stat -c %s bin/app.wasm) bytes, $$(gzip -9 -c bin/app.wasm | wc -c) gzipped"

clean:
	rm -rf bin out site/build
