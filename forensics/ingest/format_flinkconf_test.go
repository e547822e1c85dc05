package ingest

import (
	"testing"
	"testing/fstest"
)

// A user's flink-conf.yaml (flat) and Flink 1.19's config.yaml (nested)
// become config rows with dotted keys; a YAML file that is not Flink's
// stays skipped; a line that is no option is kept in raw.
func TestFlinkConf(t *testing.T) {
	fsys := fstest.MapFS{
		"conf/flink-conf.yaml": {Data: readFile(t, "../../testdata/flinkconf/flink-conf.yaml")},
		"conf/config.yaml":     {Data: readFile(t, "../../testdata/flinkconf/config.yaml")},
		"ci/tests.yaml":        {Data: []byte("name: tests\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n")},
		"bad/flink-conf.yaml":  {Data: []byte("taskmanager.numberOfTaskSlots: 4\nstate.backend: rocksdb\nsecurity.ssl.truststore-password: s3cr3t\n")},
	}
	m, out := runIngest(t, fsys, []string{"conf", "ci", "bad"}, Options{Version: "test"})
	kinds := map[string]Stream{}
	for _, s := range m.Streams {
		kinds[s.Path] = s
	}
	flat, nested := kinds["conf/flink-conf.yaml"], kinds["conf/config.yaml"]
	if flat.Kind != "flink-conf" || flat.Events != 15 || flat.Unparsed != 0 || flat.Lines != 33 {
		t.Errorf("flink-conf.yaml: %+v", flat)
	}
	if nested.Kind != "flink-conf" || nested.Events != 12 || nested.Unparsed != 0 {
		t.Errorf("config.yaml: %+v", nested)
	}
	if len(m.Skipped) != 1 || m.Skipped[0].Path != "ci/tests.yaml" {
		t.Errorf("skipped %+v", m.Skipped)
	}
	rows := map[string]string{}
	for _, f := range m.Tables["config"].Files {
		_, rs := readParquet(t, out.Files[f.Path])
		for _, r := range rs {
			v, _ := r["value"].(string)
			rows[r["source"].(string)+" "+r["key"].(string)] = v
		}
	}
	for k, want := range map[string]string{
		"conf/flink-conf.yaml taskmanager.numberOfTaskSlots":      "10",
		"conf/flink-conf.yaml metrics.reporter.promgateway.host":  "test.dc.data.woa.com",
		"conf/config.yaml taskmanager.memory.process.size":        "1728m",
		"conf/config.yaml jobmanager.execution.failover-strategy": "region",
		"conf/config.yaml rest.bind-address":                      "localhost",
		"bad/flink-conf.yaml security.ssl.truststore-password":    "***",
	} {
		if got, ok := rows[k]; !ok || got != want && !(want == "***" && got != "s3cr3t" && got != "") {
			t.Errorf("%s = %q (present %v); want %q", k, got, ok, want)
		}
	}
	if _, ok := rows["conf/flink-conf.yaml historyserver.archive.fs.refresh-interval"]; ok {
		t.Errorf("a commented-out option was read")
	}
}

// Lists and a line that is no option.
func TestFlinkConfNested(t *testing.T) {
	conf := "taskmanager:\n  numberOfTaskSlots: 2\nexecution:\n  checkpointing:\n    interval: 3min # every three minutes\n" +
		"env:\n  java:\n    opts:\n      all:\n        - -XX:+UseG1GC\n        - \"-Xss2m\"\nthis is not yaml\nstate.backend.type: rocksdb\n"
	m, out := runIngest(t, fstest.MapFS{"config.yaml": {Data: []byte(conf)}}, []string{"config.yaml"}, Options{Version: "test"})
	if len(m.Streams) != 1 || m.Streams[0].Kind != "flink-conf" || m.Streams[0].Unparsed != 1 || m.Tables["raw"].Rows != 1 {
		t.Fatalf("streams %+v, raw %d", m.Streams, m.Tables["raw"].Rows)
	}
	rows := map[string]string{}
	for _, f := range m.Tables["config"].Files {
		_, rs := readParquet(t, out.Files[f.Path])
		for _, r := range rs {
			rows[r["key"].(string)], _ = r["value"].(string)
		}
	}
	want := map[string]string{"taskmanager.numberOfTaskSlots": "2", "execution.checkpointing.interval": "3min",
		"env.java.opts.all": "-XX:+UseG1GC;-Xss2m", "state.backend.type": "rocksdb"}
	for k, v := range want {
		if rows[k] != v {
			t.Errorf("%s = %q; want %q (%v)", k, rows[k], v, rows)
		}
	}
}
