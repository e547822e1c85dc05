package engine

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/forensics/report"
)

// A secret planted in a field of each kind of input reaches no file of the
// dataset, no report and no answer of the API.
func TestNoSecretAnywhere(t *testing.T) {
	const secret = "Qw7SecretZx93Lp"
	flink := func(msg string) string {
		return "2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph [] - " + msg + "\n"
	}
	inputs := map[string]string{
		// Flink logs: a job name, a task name, a message, a stack trace.
		"jm/jobmanager.log": flink("Job etl password="+secret+" (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3) switched from state RUNNING to FAILING.") +
			flink("Source: Jdbc(url=jdbc:mysql://app:"+secret+"@db/app) -> Map (1/1) (9b1e0c7a2f3d4e5f6a7b8c9d0e1f2a3b_bc764cd8ddf7a0cff126f51c16239658_0_0) switched from RUNNING to FAILED.") +
			"java.lang.RuntimeException: cannot connect with token=" + secret + "\n\tat org.apache.flink.X.y(X.java:1)\n" +
			flink("Loading configuration property: s3.secret-key, "+secret),
		// A TaskManager's log with the program arguments banner.
		"tm/taskmanager.log": flink("Program Arguments:") + flink("    --password") + flink("    "+secret),
		// Prometheus labels.
		"prom/scrapes.prom": `flink_taskmanager_job_task_numRecordsIn{host="h",job_name="etl token=` + secret + `",task_name="t"} 1 1709287200000` + "\n",
		// flink-conf.yaml.
		"conf/flink-conf.yaml": "jobmanager.rpc.address: jm\ns3.secret-key: " + secret + "\nfs.azure.account.key.acc.blob.core.windows.net: " + secret + "\n",
		// A platform event.
		"k8s/events.txt": "LAST SEEN   TYPE      REASON      OBJECT          MESSAGE\n5m          Warning   Failed      pod/tm-1        Error: secret token=" + secret + " rejected\n",
	}
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	i := 0
	out := dataset.NewMemOutput()
	res, err := Run(Streams(func() (Input, error) {
		if i == len(names) {
			return Input{}, io.EOF
		}
		i++
		return Input{Name: names[i-1], R: strings.NewReader(inputs[names[i-1]])}, nil
	}), Options{Version: "test", Detect: true, Context: true, Format: parquetfile.Format{}, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Totals.Redacted < 8 {
		t.Errorf("%d masked", res.Manifest.Totals.Redacted)
	}
	// Every file's bytes, and every string value of its Parquet (pages
	// are compressed: a value need not show in the bytes).
	for name, data := range out.Files {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("dataset file %s holds the secret", name)
		}
		if !strings.HasSuffix(name, ".parquet") {
			continue
		}
		_, err := parquetfile.Read(bytes.NewReader(data), int64(len(data)), dataset.ReadOptions{}, func(rec arrow.Record) {
			for c, col := range rec.Columns() {
				if d, ok := col.(*array.Dictionary); ok {
					col = d.Dictionary()
				}
				s, ok := col.(interface{ ValueStr(int) string })
				if !ok || col.DataType().ID() != arrow.STRING && col.DataType().ID() != arrow.BINARY && col.DataType().ID() != arrow.LARGE_STRING {
					continue
				}
				for i := 0; i < col.Len(); i++ {
					if col.IsValid(i) && strings.Contains(s.ValueStr(i), secret) {
						t.Errorf("%s: %s holds the secret", name, rec.Schema().Field(c).Name)
						break
					}
				}
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var text, md bytes.Buffer
	report.WriteVerdicts(&text, res.Incidents, res.Findings)
	report.WriteText(&text, res.Findings, 100)
	report.WriteMarkdown(&md, res.Findings, 100)
	api, _ := json.Marshal(res)
	for what, b := range map[string][]byte{"text report": text.Bytes(), "markdown report": md.Bytes(), "API answer": api} {
		if bytes.Contains(b, []byte(secret)) {
			k := bytes.Index(b, []byte(secret))
			t.Errorf("the %s holds the secret: %q", what, b[max(0, k-120):k])
		}
	}
}
