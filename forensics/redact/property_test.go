package redact

import (
	"bytes"
	"testing"
)

// secretForms are the forms a secret takes in logs, with {S} where it
// goes.
var secretForms = []string{
	"password={S}", "password: {S}", `"password": "{S}"`, "db.password = {S}", "s3.secret-key: {S}",
	"Authorization: Bearer {S}", "https://user:{S}@host/path", "redis://:{S}@cache:6379",
	"jdbc:mysql://db/app?user=u&password={S}", "AccountName=a;AccountKey={S};EndpointSuffix=x",
	"<password>{S}</password>", "password\t{S}", "password\uff1d{S}", "pwd={S}", "sig={S}",
	"ghp_{S}", "github_pat_{S}", "xoxb-{S}", "https://hooks.slack.com/services/{S}",
	"-----BEGIN PRIVATE KEY-----{S}-----END PRIVATE KEY-----",
}

// FuzzSecret: a secret planted in any of the forms, between any words,
// never comes out of TextAll.
func FuzzSecret(f *testing.F) {
	f.Add([]byte("connecting to"), []byte("k9Xq2mPz7LwR4tYv"), []byte("done"), uint8(0))
	f.Add([]byte(""), []byte("abcdefgh12345678"), []byte(""), uint8(7))
	f.Fuzz(func(t *testing.T, before, secret, after []byte, form uint8) {
		// The secret: letters and digits, 8 to 40 of them.
		s := make([]byte, 0, 40)
		for _, c := range secret {
			if alnum(c) {
				s = append(s, c)
			}
			if len(s) == 40 {
				break
			}
		}
		if len(s) < 8 {
			return
		}
		// The words around it: no marks of their own.
		words := func(b []byte) []byte {
			out := make([]byte, 0, len(b))
			for _, c := range b {
				if alnum(c) || c == ' ' || c == '.' || c == '-' || c == '_' {
					out = append(out, c)
				}
			}
			return out
		}
		pre, post := words(before), words(after)
		if bytes.Contains(pre, s) || bytes.Contains(post, s) {
			return
		}
		line := append(append(append(append(pre, ' '), bytes.ReplaceAll([]byte(secretForms[int(form)%len(secretForms)]), []byte("{S}"), s)...), ' '), post...)
		var r Redactor
		out, _ := r.TextAll(line)
		if bytes.Contains(out, s) {
			t.Fatalf("%q -> %q", line, out)
		}
	})
}
