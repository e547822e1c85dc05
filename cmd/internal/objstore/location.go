// Package objstore reads and writes datasets and inputs on object storage
// (S3 and the stores that speak its protocol) for the flinkdx command. It
// lives outside forensics/: the engine sees an fs.FS, a dataset.Output
// and readers, and the WebAssembly builds never link an object-store
// client.
package objstore

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Location is where a URL such as s3://bucket/prefix?endpoint=… points.
type Location struct {
	Scheme   string // s3 or gs
	Bucket   string
	Prefix   string // without a leading or trailing slash; "" is the whole bucket
	Endpoint string // host[:port]
	Secure   bool   // https
	Region   string
	// EndpointURL is ?endpoint= whole: Azure's service URL may have a path
	// (Azurite's http://127.0.0.1:10000/devstoreaccount1).
	EndpointURL string
}

// schemes are the URL schemes flinkdx reads as object storage.
var schemes = []string{"s3://", "gs://", "azblob://"}

// IsURL says whether a path names object storage rather than a file.
func IsURL(p string) bool {
	for _, s := range schemes {
		if strings.HasPrefix(p, s) {
			return true
		}
	}
	return false
}

// Parse reads an object-store URL: s3://BUCKET/PREFIX, gs://BUCKET/PREFIX
// or azblob://CONTAINER/PREFIX. Options go in the query: endpoint (an
// S3-compatible store: http://127.0.0.1:7070,
// https://ACCOUNT.r2.cloudflarestorage.com; Azurite:
// http://127.0.0.1:10000/devstoreaccount1) and region. Credentials are never read from the URL; they come from the
// environment and the cloud's own configuration (see Dial).
func Parse(raw string) (Location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Location{}, fmt.Errorf("cannot read %s as a URL", shown(raw))
	}
	// What errors show of it: no user, no options (a pasted signature).
	at := u.Scheme + "://" + u.Host + u.Path
	if u.User != nil {
		return Location{}, fmt.Errorf("%s://%s: credentials do not go in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile) instead", u.Scheme, u.Host)
	}
	loc := Location{Scheme: u.Scheme, Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), Secure: true}
	switch u.Scheme {
	case "s3":
	case "gs":
		// Cloud Storage's XML API speaks S3's protocol, with HMAC keys.
		loc.Endpoint = "storage.googleapis.com"
	case "azblob":
		// Azure Blob Storage: the container is the "bucket".
	default:
		return Location{}, fmt.Errorf("%s: unknown scheme %q; want s3://, gs:// or azblob://", at, u.Scheme)
	}
	if loc.Bucket == "" {
		what := "BUCKET"
		if u.Scheme == "azblob" {
			what = "CONTAINER"
		}
		return Location{}, fmt.Errorf("%s: no %s; want %s://%s/PREFIX", at, strings.ToLower(what), u.Scheme, what)
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region":
		default:
			return Location{}, fmt.Errorf("%s: unknown option %q; the options are endpoint and region", at, k)
		}
	}
	endpoint := q.Get("endpoint")
	if endpoint == "" && loc.Scheme == "s3" {
		endpoint = firstEnv("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
	}
	if endpoint != "" {
		e, err := url.Parse(endpoint)
		if err != nil || e.Host == "" || (e.Scheme != "http" && e.Scheme != "https") {
			return Location{}, fmt.Errorf("%s: the endpoint is not http://HOST:PORT or https://HOST", at)
		}
		if e.User != nil {
			return Location{}, errors.New("the endpoint holds credentials; set them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead")
		}
		if e.RawQuery != "" {
			return Location{}, errors.New("the endpoint has a query; a SAS token goes in AZURE_STORAGE_CONNECTION_STRING, credentials in the environment")
		}
		loc.Endpoint, loc.Secure, loc.EndpointURL = e.Host, e.Scheme == "https", endpoint
	}
	loc.Region = q.Get("region")
	if loc.Region == "" {
		loc.Region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	}
	return loc, nil
}

// String is the location as a URL without its options: what the manifest,
// the reports and the errors show.
func (l Location) String() string {
	if l.Prefix == "" {
		return l.Scheme + "://" + l.Bucket
	}
	return l.Scheme + "://" + l.Bucket + "/" + l.Prefix
}

// Key is the object key of a slash-separated path under the location.
func (l Location) Key(name string) string {
	switch {
	case name == "":
		return l.Prefix
	case l.Prefix == "":
		return name
	}
	return l.Prefix + "/" + name
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// shown is what an error shows of a URL that could not be read: its
// scheme and the text up to the first character that could start a user,
// a query or a fragment.
func shown(raw string) string {
	if i := strings.IndexAny(raw, "@?#"); i >= 0 {
		return raw[:i] + "…"
	}
	return raw
}
