package api

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
)

// datasetRequest reads a dataset written by "flinkdx ingest" (a folder
// dropped on the page, or an export) and scans it.
func datasetRequest(w http.ResponseWriter, r *http.Request, cfg Config) (*Result, bool) {
	body, opt, ok := start(w, r, cfg)
	if !ok {
		return nil, false
	}
	next, err := inputs(r, nil)
	if failed(w, err, body, cfg) {
		return nil, false
	}
	// Parquet files go to a temporary folder where the host has one (not
	// named by the client: each gets a name of its own), else into memory.
	sent := map[string][]byte{}
	spilled := map[string]string{}
	dir := ""
	if cfg.TempDir != "" {
		if dir, err = os.MkdirTemp(cfg.TempDir, "flinkdx-dataset-*"); failed(w, err, body, cfg) {
			return nil, false
		}
		defer os.RemoveAll(dir)
	}
	for {
		in, err := next()
		if err == io.EOF {
			break
		}
		if failed(w, err, body, cfg) {
			return nil, false
		}
		if dir != "" && strings.HasSuffix(in.Name, ".parquet") {
			path, err := spill(dir, in.R)
			if err != nil {
				err = fmt.Errorf("%s: %w", in.Name, err)
			}
			if failed(w, err, body, cfg) {
				return nil, false
			}
			spilled[in.Name] = path
			continue
		}
		data, err := io.ReadAll(in.R)
		if err != nil {
			err = fmt.Errorf("%s: %w", in.Name, err)
		}
		if failed(w, err, body, cfg) {
			return nil, false
		}
		sent[in.Name] = data
	}
	// The dataset's root is where manifest.json is: a dropped folder's
	// files arrive as "folder/logs/part-00000.parquet".
	root, found := "", false
	for name := range sent {
		if path.Base(name) == "manifest.json" && (!found || len(name) < len(root)) {
			root, found = strings.TrimSuffix(name, "manifest.json"), true
		}
	}
	if !found {
		writeError(w, http.StatusBadRequest, "no manifest.json among the files: send the whole dataset folder")
		return nil, false
	}
	var m engine.Manifest
	if err := json.Unmarshal(sent[root+"manifest.json"], &m); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%smanifest.json: %v", root, err))
		return nil, false
	}
	var files engine.Files
	if dir != "" {
		d := diskFiles{m: &m, paths: map[string]string{}, opened: new([]*os.File)}
		defer func() {
			for _, f := range *d.opened {
				f.Close()
			}
		}()
		for name, path := range spilled {
			if rel, ok := strings.CutPrefix(name, root); ok {
				d.paths[rel] = path
			}
		}
		files = d
	} else {
		mem := engine.Written{M: &m, Out: dataset.NewMemOutput()}
		for name, data := range sent {
			if rel, ok := strings.CutPrefix(name, root); ok {
				mem.Out.Files[rel] = data
			}
		}
		files = mem
	}
	res, err := engine.Scan(files, cfg.Format, &m, engine.ScanOptions{Scan: opt.Scan, Timeline: true, Context: true})
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return answer(res), true
}

// spill copies r into a new file in dir and returns its path.
func spill(dir string, r io.Reader) (string, error) {
	f, err := os.CreateTemp(dir, "part-*.parquet")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// diskFiles is a dataset whose Parquet files were spilled to disk.
type diskFiles struct {
	m      *engine.Manifest
	paths  map[string]string // the dataset's name → the file
	opened *[]*os.File       // closed once the scan is done
}

func (d diskFiles) Open(name string) (dataset.ReaderAtSeeker, error) {
	path, ok := d.paths[name]
	if !ok {
		return nil, fmt.Errorf("%s is in manifest.json but is not in the dataset", name)
	}
	f, err := os.Open(path)
	if err == nil {
		*d.opened = append(*d.opened, f)
	}
	return f, err
}

func (d diskFiles) List(t string) ([]string, error) {
	var out []string
	for _, f := range d.m.Tables[t].Files {
		out = append(out, f.Path)
	}
	return out, nil
}

// sharedDataset looks at the first input: when it is a zip holding a
// dataset's manifest.json and Parquet files, it returns the dataset's
// result. Otherwise it returns next with the first input put back. A zip
// is read whole before anything in it (its directory is at its end): into
// a file in tempDir, when set, else into memory. cleanup removes the file
// once the request is answered.
func sharedDataset(next func() (Input, error), opt engine.Options, tempDir string) (_ func() (Input, error), _ *Result, cleanup func(), _ error) {
	cleanup = func() {}
	first, err := next()
	if err != nil {
		return func() (Input, error) { return Input{}, err }, nil, cleanup, nil
	}
	br := bufio.NewReader(first.R)
	head, _ := br.Peek(4)
	if !bytes.Equal(head, []byte("PK\x03\x04")) {
		first.R = br
		return again(first, next), nil, cleanup, nil
	}
	var zipped interface {
		io.Reader
		io.ReaderAt
	}
	var size int64
	if tempDir != "" {
		f, err := os.CreateTemp(tempDir, "flinkdx-upload-*.zip")
		if err != nil {
			return nil, nil, cleanup, err
		}
		cleanup = func() { f.Close(); os.Remove(f.Name()) }
		if size, err = io.Copy(f, br); err != nil {
			return nil, nil, cleanup, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, nil, cleanup, err
		}
		zipped = f
	} else {
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, nil, cleanup, err
		}
		zipped, size = bytes.NewReader(data), int64(len(data))
	}
	first.R = zipped
	next, res, err := fromZip(first, next, opt, zipped, size)
	return next, res, cleanup, err
}

// fromZip scans the dataset a zip holds, or puts the zip back first.
func fromZip(first Input, next func() (Input, error), opt engine.Options, zipped io.ReaderAt, size int64) (func() (Input, error), *Result, error) {
	zr, err := zip.NewReader(zipped, size)
	if err != nil {
		return again(first, next), nil, nil
	}
	files := engine.Written{Out: dataset.NewMemOutput()}
	// A dataset's files are compressed already (an export stores them):
	// its members may not expand past a few times the zip. A zip bomb, or
	// members that overlap, stop there instead of filling the memory.
	budget := int64(maxDatasetExpansion)*size + 1<<20
	for _, f := range zr.File {
		if f.Name != "manifest.json" && !strings.HasSuffix(f.Name, ".parquet") {
			return again(first, next), nil, nil // an archive of logs that holds other things
		}
		if f.UncompressedSize64 > uint64(budget) {
			return nil, nil, fmt.Errorf("%s: %s expands to %d bytes, more than %d times the zip: not a dataset flinkdx wrote", first.Name, f.Name, f.UncompressedSize64, maxDatasetExpansion)
		}
		rc, err := f.Open()
		if err != nil {
			return again(first, next), nil, nil
		}
		b, err := io.ReadAll(io.LimitReader(rc, budget+1))
		rc.Close()
		if err != nil {
			return again(first, next), nil, nil
		}
		if budget -= int64(len(b)); budget < 0 {
			return nil, nil, fmt.Errorf("%s: its members expand to more than %d times the zip: not a dataset flinkdx wrote", first.Name, maxDatasetExpansion)
		}
		files.Out.Files[f.Name] = b
	}
	var m engine.Manifest
	if err := json.Unmarshal(files.Out.Files["manifest.json"], &m); err != nil || m.Tool != "flinkdx" {
		return again(first, next), nil, nil
	}
	files.M = &m
	if opt.Format == nil {
		return nil, nil, errNeedsParquet
	}
	res, err := engine.Scan(files, opt.Format, &m, engine.ScanOptions{Scan: opt.Scan, Timeline: true, Context: true})
	if err != nil {
		return nil, nil, err
	}
	res.Dataset = files.Out // export gives it back as it came
	return nil, answer(res), nil
}

// maxDatasetExpansion bounds how many times a shared dataset zip's
// members may expand it (Parquet is compressed already; an export is
// stored, not deflated).
const maxDatasetExpansion = 4

// again returns first, then what next returns.
func again(first Input, next func() (Input, error)) func() (Input, error) {
	done := false
	return func() (Input, error) {
		if !done {
			done = true
			return first, nil
		}
		return next()
	}
}
