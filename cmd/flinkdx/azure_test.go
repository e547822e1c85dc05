//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/flinkdx/flinkdx/cmd/internal/objstore"
	"github.com/flinkdx/flinkdx/forensics/engine"
)

// Azurite's well-known development account (it is in Microsoft's
// documentation, and in no real account).
const (
	azAccount = "devstoreaccount1"
	azKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// startAzurite starts Azurite's blob service (npm, installed into
// out/azurite by make test-native) with containers, and the environment
// that reaches it; it returns the endpoint. Outside CI, without Azurite
// the test is skipped.
func startAzurite(t *testing.T, containers ...string) string {
	t.Helper()
	bin := os.Getenv("AZURITE")
	if bin == "" {
		if _, err := os.Stat("../../out/azurite/node_modules/.bin/azurite-blob"); err == nil {
			bin = "../../out/azurite/node_modules/.bin/azurite-blob"
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Azurite is not installed: make test-native installs it (npm)")
		}
		t.Skip("Azurite is not installed (make test-native installs it with npm, or set AZURITE): the Azure Blob Storage tests need it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", itoa(port),
		"--silent", "--skipApiVersionCheck", "--disableTelemetry", "--inMemoryPersistence")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	endpoint := "http://127.0.0.1:" + itoa(port) + "/" + azAccount
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r, err := http.Get(endpoint + "?comp=list"); err == nil {
			r.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Azurite did not answer on %s: %s", endpoint, out.String())
		}
	}
	t.Setenv("AZURE_STORAGE_ACCOUNT", azAccount)
	t.Setenv("AZURE_STORAGE_KEY", azKey)
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
	cred, _ := container.NewSharedKeyCredential(azAccount, azKey)
	for _, name := range containers {
		c, err := container.NewClientWithSharedKeyCredential(endpoint+"/"+name, cred, nil)
		if err == nil {
			_, err = c.Create(context.Background(), nil)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return endpoint
}

func itoa(n int) string { return strconv.Itoa(n) }

// The demo from a container into a container: the same inputs, rows and
// findings as from disk; scan reads it back by range; a second writer is
// refused by the lock blob; the account key is in no output.
func TestAzureDemo(t *testing.T) {
	endpoint := startAzurite(t, "logs", "cases")
	u := func(p string) string { return "azblob://" + p + "?endpoint=" + endpoint }
	loc, err := objstore.Parse(u("logs"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := objstore.Dial(loc)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := os.ReadFile("../../testdata/demo/incident.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put("2025-03-14/incident.tar.gz", archive, objstore.Condition{}); err != nil {
		t.Fatal(err)
	}

	local := filepath.Join(t.TempDir(), "demo")
	code, want, errs := runCLI("analyze", "../../testdata/demo/incident.tar.gz", "-o", local, "--format", "json")
	if code != exitOK {
		t.Fatalf("local: exit %d: %s", code, errs)
	}
	code, got, errs := runCLI("analyze", u("logs/2025-03-14"), "-o", u("cases/demo"), "--format", "json")
	if code != exitOK {
		t.Fatalf("azblob: exit %d: %s", code, errs)
	}
	if strings.Contains(got+errs, azKey) {
		t.Errorf("the account key is in the output")
	}
	var a, b struct{ Findings []struct{ Rule string } }
	json.Unmarshal([]byte(want), &a)
	json.Unmarshal([]byte(got), &b)
	if len(b.Findings) == 0 || len(a.Findings) != len(b.Findings) {
		t.Fatalf("from the container: %d findings; from disk: %d", len(b.Findings), len(a.Findings))
	}
	for i := range a.Findings {
		if a.Findings[i] != b.Findings[i] {
			t.Errorf("finding %d: %v from the container, %v from disk", i, b.Findings[i], a.Findings[i])
		}
	}

	cases, _ := objstore.Parse(u("cases"))
	cs, _ := objstore.Dial(cases)
	raw, _, err := cs.ReadFile("demo/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m engine.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	sameDataset(t, &m, readManifestT(t, local))
	if m.Inputs[0].Path != "azblob://logs/2025-03-14/incident.tar.gz" || bytes.Contains(raw, []byte(azKey)) || bytes.Contains(raw, []byte("127.0.0.1")) {
		t.Errorf("the manifest names the input %q, or holds the key or the endpoint", m.Inputs[0].Path)
	}

	code, out, errs := runCLI("scan", u("cases/demo"))
	if code != exitOK || !strings.Contains(out, "flinkdx scan azblob://cases/demo:") || !strings.Contains(out, itoa(len(a.Findings))+" findings") {
		t.Errorf("scan from the container: exit %d: %s%s", code, lastLines(out, 1), errs)
	}

	// The same archive again adds nothing.
	if code, _, errs := runCLI("ingest", u("logs/2025-03-14"), "-o", u("cases/demo"), "--quiet"); code != exitOK {
		t.Fatalf("again: exit %d: %s", code, errs)
	}
	raw, _, _ = cs.ReadFile("demo/manifest.json")
	var again engine.Manifest
	json.Unmarshal(raw, &again)
	if again.Totals.Unchanged != 1 || again.Tables["logs"].Rows != m.Tables["logs"].Rows {
		t.Errorf("again: %+v", again.Totals)
	}

	// A second writer is refused by the lock blob only one can create.
	d, err := objstore.OpenDataset(mustParse(t, u("cases/demo")))
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := d.Lock("")
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI("ingest", "../../testdata/demo/incident.tar.gz", "-o", u("cases/demo"), "--quiet")
	if code != exitFailed || !strings.Contains(errs, "being written by another flinkdx") {
		t.Errorf("a second writer: exit %d: %s", code, errs)
	}
	unlock()

	// A wrong key is refused with the store's reason, and no key.
	t.Setenv("AZURE_STORAGE_KEY", "bm90LXRoZS1rZXk=")
	code, _, errs = runCLI("scan", u("cases/demo"))
	if code == exitOK || !strings.Contains(errs, "AuthorizationFailure") && !strings.Contains(errs, "AuthenticationFailed") {
		t.Errorf("a wrong key: exit %d: %s", code, errs)
	}
	if strings.Contains(errs, "bm90LXRoZS1rZXk=") || strings.Contains(errs, azKey) {
		t.Errorf("the error holds the key: %s", errs)
	}
}

func mustParse(t *testing.T, raw string) objstore.Location {
	t.Helper()
	loc, err := objstore.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// uploadRoundTrip writes a 12 MiB object in parts under a name that
// changes when committed (a unit's part file), and small ones under a
// condition, and reads them back.
func uploadRoundTrip(t *testing.T, st *objstore.Store) {
	t.Helper()
	data := make([]byte, 12<<20+12345)
	for i := range data {
		data[i] = byte(i * 7 % 251)
	}
	u := st.CreateRenamed("rt/logs/date=x/part-{unit}-0000.parquet")
	for p := data; len(p) > 0; {
		n := min(len(p), 300<<10)
		if _, err := u.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if err := u.CommitAs("rt/logs/date=x/part-abc-0000.parquet"); err != nil {
		t.Fatal(err)
	}
	got, _, err := st.ReadFile("rt/logs/date=x/part-abc-0000.parquet")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the object committed: %d bytes, %v; want the %d written", len(got), err, len(data))
	}
	var left []string
	dir, _ := st.ReadDir("rt/logs/date=x")
	for _, e := range dir {
		left = append(left, e.Name())
	}
	if len(left) != 1 {
		t.Errorf("after the commit the folder holds %v; want the part alone", left)
	}
	// Big and conditional: a second writer of a new object is refused.
	a := st.Create("rt/manifest.json", objstore.Condition{IfNoneMatch: true})
	a.Write(data)
	b := st.Create("rt/manifest.json", objstore.Condition{IfNoneMatch: true})
	b.Write(data[:100])
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(); !errors.Is(err, objstore.ErrChanged) {
		t.Errorf("a second writer of a new object: %v; want it refused", err)
	}
	// Aborted: nothing to see.
	c := st.Create("rt/aborted.parquet", objstore.Condition{})
	c.Write(data)
	c.Abort()
	if _, err := st.Stat("rt/aborted.parquet"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an aborted upload is visible: %v", err)
	}
}

func TestUploadRoundTrip(t *testing.T) {
	t.Run("s3", func(t *testing.T) {
		s := startS3(t, "out")
		st, err := objstore.Dial(mustParse(t, s.url("out")))
		if err != nil {
			t.Fatal(err)
		}
		uploadRoundTrip(t, st)
	})
	t.Run("azblob", func(t *testing.T) {
		endpoint := startAzurite(t, "out")
		st, err := objstore.Dial(mustParse(t, "azblob://out?endpoint="+endpoint))
		if err != nil {
			t.Fatal(err)
		}
		uploadRoundTrip(t, st)
	})
}
