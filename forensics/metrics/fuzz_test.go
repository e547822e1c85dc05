package metrics

import (
	"os"
	"testing"
)

// Fuzz targets, one per format: no panic, every line accounted for, every
// origin inside the input.

func checkOrigins(t *testing.T, c *collect, data []byte) {
	for _, s := range c.samples {
		if s.Line < 1 || s.Offset < 0 || s.Offset >= int64(len(data)) {
			t.Fatalf("sample %q at line %d offset %d outside the input (%d bytes)", s.Name, s.Line, s.Offset, len(data))
		}
	}
}

func FuzzPrometheus(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/metrics/datadog_flink/metrics.txt"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("# 2025-03-14T09:00:15Z\nflink_taskmanager_job_task_x{a=\"b\\\"c\",} NaN 1\nm 1.5e3\n# EOF\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, n := parseProm(t, "fuzz.prom", data)
		if n.Samples+n.Noise+n.Unparsed != n.Lines || int64(len(c.samples)) != n.Samples {
			t.Fatalf("counts %+v, %d samples", n, len(c.samples))
		}
		checkOrigins(t, c, data)
	})
}

func FuzzInflux(f *testing.F) {
	f.Add([]byte("taskmanager_job_task_numRecordsIn,host=a\\ b,subtask_index=1 value=1i,x=\"s\" 1741942815000000000\nm f=t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &collect{}
		p := NewParser(c, nil)
		if err := p.ParseInflux("fuzz.influx", lr(data)); err != nil {
			t.Fatal(err)
		}
		checkOrigins(t, c, data)
	})
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("timestamp,name,value,host\n1741942815000,flink_jobmanager_numRunningJobs,1,jm\n\"a,b\",\"x\"\"y\",2,h\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &collect{}
		p := NewParser(c, nil)
		if err := p.ParseCSV("fuzz.csv", lr(data)); err != nil {
			t.Fatal(err)
		}
		n := p.Counts()
		if n.Samples+n.Noise+n.Unparsed != n.Lines {
			t.Fatalf("counts %+v", n)
		}
		checkOrigins(t, c, data)
	})
}
