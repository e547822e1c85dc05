package redact

import (
	"strings"
	"testing"
)

// The forms issue 20 found leaking, each masked.
func TestMoreKeyForms(t *testing.T) {
	const s = "S3cr3tV4lue9"
	for _, in := range []string{
		"DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=" + s + ";EndpointSuffix=core.windows.net",
		"account_key=" + s, "accountKey=" + s, "account-key: " + s, "privateKey=" + s,
		"redis://:" + s + "@host:6379", "jdbc:sqlserver://h;user=u;pwd=" + s, "https://a.blob.core.windows.net/c?sv=2020&sig=" + s + "&se=1",
		"Cookie: session=" + s, "Set-Cookie: id=" + s + "; Path=/", "<password>" + s + "</password>", "password\t" + s,
		"password＝" + s, "token ghp_" + s + "abcdefghijklmnopqrstuv", "github_pat_11ABCDEFG0" + s + "_abcdefghijklmnopqrstuvwxyz",
		"xoxb-123456789012-1234567890123-" + s, "https://hooks.slack.com/services/T00000000/B00000000/" + s,
		"key: -----BEGIN PRIVATE KEY-----" + s + "-----END PRIVATE KEY-----",
		"loading the key\n-----BEGIN RSA PRIVATE KEY-----\n" + s + "\n" + s + "==\n-----END RSA PRIVATE KEY-----\nnext",
	} {
		var r Redactor
		out, _ := r.TextAll([]byte(in))
		if strings.Contains(string(out), s) {
			t.Errorf("leaks: %q -> %q", in, out)
		}
	}
}
