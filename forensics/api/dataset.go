package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/scan"
)

// memFiles is a dataset sent in a request: manifest.json and the Parquet
// files, held in memory (Parquet is read from its footer backwards, so a
// file cannot be streamed).
type memFiles struct {
	m     *ingest.Manifest
	files map[string][]byte // by path in the dataset
}

func (f memFiles) Open(name string) (scan.ReaderAtSeeker, error) {
	data, ok := f.files[name]
	if !ok {
		return nil, fmt.Errorf("%s is in manifest.json but was not sent", name)
	}
	return bytes.NewReader(data), nil
}

func (f memFiles) List(table string) ([]string, error) {
	var out []string
	for _, file := range f.m.Tables[table].Files {
		out = append(out, file.Path)
	}
	return out, nil
}

// datasetRequest reads a dataset written by "flinkdx ingest" (a folder
// dropped on the page, or an export) and scans it.
func datasetRequest(w http.ResponseWriter, r *http.Request, cfg Config) (*Result, bool) {
	if cfg.MaxBody > 0 {
		r.Body = http.MaxBytesReader(w, r.Body, cfg.MaxBody)
	}
	next, err := inputs(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	sent := map[string][]byte{}
	for {
		in, err := next()
		if err == io.EOF {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, tooLarge(cfg.MaxBody))
			return nil, false
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return nil, false
		}
		data, err := io.ReadAll(in.R)
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, tooLarge(cfg.MaxBody))
			return nil, false
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %v", in.Name, err))
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
	var m ingest.Manifest
	if err := json.Unmarshal(sent[root+"manifest.json"], &m); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%smanifest.json: %v", root, err))
		return nil, false
	}
	files := memFiles{m: &m, files: map[string][]byte{}}
	for name, data := range sent {
		if rel, ok := strings.CutPrefix(name, root); ok {
			files.files[rel] = data
		}
	}
	res, err := Dataset(files, &m, scan.DefaultConfig())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return res, true
}
