package redact

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// key=value and friends
		{"connecting with password=hunter2 to db", "connecting with password=****** to db"},
		{"s3.access.key: AKIAIOSFODNN7EXAMPLE", "s3.access.key: ******"},
		{"dbPassword=x1 DB_PASSWORD=x2", "dbPassword=****** DB_PASSWORD=******"},
		{"Loading configuration property: s3.secret.key, wJalrXUtnFEMI/K7MDENG", "Loading configuration property: s3.secret.key, ******"},
		{"Loading configuration property: s3.access-key, 1YA71JMTU41W8K9HI5YV", "Loading configuration property: s3.access-key, ******"},
		{`{"user":"flink","password":"p@ss w0rd","port":5432}`, `{"user":"flink","password":"******","port":5432}`},
		{`[{"key":"s3.access.key","value":"1YA71JMTU41W8K9HI5YV"},{"key":"parallelism.default","value":"2"}]`,
			`[{"key":"s3.access.key","value":"******"},{"key":"parallelism.default","value":"2"}]`},
		{`{\"key\":\"s3.access.key\",\"value\":\"1YA71JMTU41W8K9HI5YV\"}`, `{\"key\":\"s3.access.key\",\"value\":\"******\"}`},
		{"jdbc:mysql://db:3306/x?user=app&password=s3cr3t&ssl=true", "jdbc:mysql://db:3306/x?user=app&password=******&ssl=true"},
		{"jdbc:sqlserver://db;user=app;password=s3cr3t;encrypt=true", "jdbc:sqlserver://db;user=app;password=******;encrypt=true"},
		{"fetching s3a://AKIAX:topsecret@bucket/path", "fetching s3a://AKIAX:******@bucket/path"},
		{"GET https://admin:admin123@example.com/api", "GET https://admin:******@example.com/api"},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "Authorization: Bearer ******"},
		{"header authorization=Basic dXNlcjpwYXNz", "header authorization=Basic ******"},
		{"sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required", "sasl.jaas.config = ******"[:len("sasl.jaas.config = ")] + "****** required"},
		{"key id AKIAIOSFODNN7EXAMPLE in use", "key id AKIA****** in use"},
		{"api_key='abc123'", "api_key='******'"},
		{"retrying with Bearer abc.def-ghi: denied", "retrying with Bearer ******: denied"},
		{"GITHUB_TOKEN=ghp_abcdef", "GITHUB_TOKEN=******"},
		// left alone
		{"Task Source: Kafka (1/2) switched from RUNNING to FAILED", ""},
		{"password: ******", ""},
		{"sasl.jaas.config = [hidden]", ""},
		{"Received a token for the job", ""},
		{"http://jobmanager:8081/jobs/overview", ""},
		{"AKIAIOSFODNN7EXAMPLEX is too long", ""},
		{"class org.apache.flink.runtime.security.token.DelegationTokenManager", ""},
	} {
		var r Redactor
		got, n := r.Line([]byte(c.in))
		want := c.want
		if want == "" {
			want = c.in
		}
		if string(got) != want {
			t.Errorf("Line(%q)\n = %q\nwant %q", c.in, got, want)
		}
		if (n > 0) != (c.want != "") {
			t.Errorf("Line(%q): %d masked", c.in, n)
		}
	}
}

// FuzzLine: never panics, never masks a line without saying so, and never
// leaves a line longer than it could be.
func FuzzLine(f *testing.F) {
	f.Add([]byte("password=x s3.access.key: y https://a:b@c AKIAIOSFODNN7EXAMPLE"))
	// Lines of the real logs and archives in testdata.
	for _, p := range []string{"../../testdata/flinklog/opsagent/input.log", "../../testdata/metrics/historyserver_archives_40CoderPlus/ea71b9a630c2d7102310c234cfb85933.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range bytes.SplitAfter(data, []byte("\n"))[:min(200, bytes.Count(data, []byte("\n"))+1)] {
			f.Add(l)
		}
	}
	f.Add([]byte(`{\"key\":\"secret\",\"value\":\"\`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Redactor
		in := string(b)
		out, n := r.Line(b)
		if n == 0 && string(out) != in {
			t.Fatalf("changed without a mask: %q -> %q", in, out)
		}
		if len(out) > len(in)+n*len(Mask) {
			t.Fatalf("%q grew to %q", in, out)
		}
		if n > 0 && !strings.Contains(string(out), Mask) {
			t.Fatalf("%d masked but no mask in %q", n, out)
		}
	})
}

func BenchmarkLine(b *testing.B) {
	data, err := os.ReadFile("../../testdata/flinklog/opsagent/input.log")
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var bs [][]byte
	size := 0
	for len(bs) < 20000 {
		for _, l := range lines {
			bs = append(bs, []byte(l))
			size += len(l)
		}
	}
	b.SetBytes(int64(size))
	var r Redactor
	for i := 0; i < b.N; i++ {
		for _, l := range bs {
			r.Line(l)
		}
	}
}
