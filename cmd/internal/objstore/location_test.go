package objstore

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	for _, c := range []struct {
		url, want, endpoint, region string
		secure                      bool
		key                         string
	}{
		{url: "s3://logs", want: "s3://logs", secure: true, key: "manifest.json"},
		{url: "s3://logs/a/b/", want: "s3://logs/a/b", secure: true, key: "a/b/manifest.json"},
		{url: "s3://logs/case?endpoint=http://127.0.0.1:7070", want: "s3://logs/case", endpoint: "127.0.0.1:7070", key: "case/manifest.json"},
		{url: "s3://logs/case?endpoint=https://acct.r2.cloudflarestorage.com&region=auto", want: "s3://logs/case", endpoint: "acct.r2.cloudflarestorage.com", region: "auto", secure: true, key: "case/manifest.json"},
		{url: "gs://archive/flink", want: "gs://archive/flink", endpoint: "storage.googleapis.com", secure: true, key: "flink/manifest.json"},
		{url: "azblob://logs/flink?endpoint=http://127.0.0.1:10000/devstoreaccount1", want: "azblob://logs/flink", endpoint: "127.0.0.1:10000", key: "flink/manifest.json"},
	} {
		loc, err := Parse(c.url)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if loc.String() != c.want || loc.Endpoint != c.endpoint || loc.Region != c.region || loc.Secure != c.secure || loc.Key("manifest.json") != c.key {
			t.Errorf("%s: %+v (%s, key %s)", c.url, loc, loc, loc.Key("manifest.json"))
		}
	}
	t.Setenv("AWS_ENDPOINT_URL", "http://minio.local:9000")
	t.Setenv("AWS_REGION", "eu-west-1")
	if loc, err := Parse("s3://b/p"); err != nil || loc.Endpoint != "minio.local:9000" || loc.Secure || loc.Region != "eu-west-1" {
		t.Errorf("from the environment: %+v, %v", loc, err)
	}
	for _, c := range []struct{ url, want string }{
		{"s3://AKIA:secret@bucket/p", "credentials do not go in the URL"},
		{"s3:///p", "no bucket"},
		{"s3://b/p?access_key=x", `unknown option "access_key"`},
		{"s3://b/p?endpoint=ftp://x", "the endpoint is not http://HOST:PORT"},
		{"azblob://c/p?endpoint=https://acct.blob.core.windows.net/c?sv=2020-08-04&sig=secret%2Fsig", `unknown option "sig"`},
		{"s3://b/p?endpoint=AKIA:secret@host", "the endpoint is not http://HOST:PORT"},
		{"s3://b/p?endpoint=http://u:pw@host", "holds credentials"},
		{"azblob:///p", "no container; want azblob://CONTAINER/PREFIX"},
		{"s3://b/p?endpoint=http://host/x?sig=abc", "the endpoint has a query"},
		{"ftp://b/p", "unknown scheme"},
	} {
		_, err := Parse(c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.url, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "pw")) {
			t.Errorf("%s: the error shows the secret: %v", c.url, err)
		}
	}
}
