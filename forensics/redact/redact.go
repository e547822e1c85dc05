// Package redact masks secrets in text before it is written to a dataset
// or shown: values of keys that name a password, secret, token, access or
// API key, credential or private key (in key=value, key: value, JSON,
// "Loading configuration property: key, value" and Flink REST
// {"key": …, "value": …} forms, JDBC and URL query parameters),
// user:password@ in URLs, Authorization and Bearer credentials, and AWS
// access key ids. A masked value reads "******", the way Flink masks the
// configuration values it knows to be secret.
//
// Only around the marks every form has (an '=' or ':' after a key, '@'
// after a URL's password, "AKIA", "earer ") is anything looked at; a key
// is tested against the keywords through a small table of their first
// four bytes, folded to lower case.
package redact

import (
	"bytes"
	"sort"
)

// Mask replaces a secret.
const Mask = "******"

// keywords are the words that make a key secret, in lower case; any key
// that contains one is.
var keywords = []string{
	"password", "passwd", "passphrase", "secret", "token", "credential", "cookie",
	"accesskey", "access.key", "access-key", "access_key", "access.id", "access_id",
	"apikey", "api.key", "api-key", "api_key", "account.key", "accountkey", "account_key", "account-key",
	"private.key", "privatekey", "private-key", "private_key",
	"auth-params", "basic-auth", "service-key", "jaas.config", "authorization", "sas.token",
}

// shortKeys are secret only as the whole key: "pwd=" in a JDBC URL,
// "sig=" in an Azure SAS URL ("signal", "design" are not).
var shortKeys = []string{"pwd", "pw", "pass", "sig"}

// tokenPrefixes start credentials that need no key before them: GitHub
// tokens and Slack tokens and webhooks.
var tokenPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "hooks.slack.com/services/"}

// fullWidth are the full-width '＝' and '：', separators too.
var fullWidth = [...]string{"\uff1d", "\uff1a"}

// table has a bit per hashed four-byte keyword prefix.
var table [1 << 16 / 64]uint64

func prefix(b []byte) uint32 {
	return (uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24) | 0x20202020
}

func hash(v uint32) uint32 { return (v * 2654435761) >> 16 }

func init() {
	for _, k := range keywords {
		h := hash(prefix([]byte(k)))
		table[h/64] |= 1 << (h % 64)
	}
}

// Redactor masks secrets; its zero value is ready. It is not safe for use
// by several goroutines at once (it keeps buffers).
type Redactor struct {
	buf   []byte
	spans []span
	// extras looks for the forms without an '=' or ':' too (TextAll).
	extras bool
}

// TextAll is Text that also looks for the forms without an '=' or ':'
// before them: a value after a TAB or in an XML element, a full-width
// '＝', GitHub and Slack tokens, a PEM private key. They cost a few scans
// of each line, so a caller with many lines (a batch's column) finds the
// lines holding one of Marks first.
func (r *Redactor) TextAll(text []byte) ([]byte, int) {
	r.extras = true
	defer func() { r.extras = false }()
	return r.Text(text)
}

// Marks are words of which a line holds one when it has a secret in a
// form without an '=' or ':' before it (for TextAll).
// Each is rare in log text (a TAB alone is not: stack frames start with
// one), so few rows are looked at twice.
var Marks = []string{"word\t", "WORD\t", "</", "PRIVATE KEY", "ghp_", "github_pat_", "xox", "hooks.slack", "\xef\xbc"}

// span is a value to mask: text[start:end].
type span struct{ start, end int }

// Line returns text with its secrets masked, and how many were. When there
// are none it returns text itself; otherwise the result is valid until the
// next call.
//
// Every form a secret takes has a mark that is quick to find: the '=' or
// ':' after its key, the '@' after a URL's password, "AKIA"/"ASIA", or
// "earer ". Only around those is anything looked at.
func (r *Redactor) Line(text []byte) ([]byte, int) {
	r.spans = r.spans[:0]
	seps := "=:"
	if r.extras {
		seps = "=:\t"
	}
	for _, sep := range []byte(seps) {
		for k := 0; ; k++ {
			i := bytes.IndexByte(text[k:], sep)
			if i < 0 {
				break
			}
			k += i
			r.separator(text, k, 1)
		}
	}
	for _, sep := range fullWidth {
		if !r.extras || bytes.IndexByte(text, 0xef) < 0 {
			break
		}
		for k := 0; ; k += len(sep) {
			i := bytes.Index(text[k:], []byte(sep))
			if i < 0 {
				break
			}
			k += i
			r.separator(text, k, len(sep))
		}
	}
	if r.extras {
		r.elements(text)
		r.tokens(text)
		// A PEM private key on one line: its body.
		if i := bytes.Index(text, []byte("PRIVATE KEY-----")); i >= 0 {
			s := i + len("PRIVATE KEY-----")
			if e := bytes.Index(text[s:], []byte("-----END")); e > 0 && !masked(text[s:s+e]) {
				r.spans = append(r.spans, span{s, s + e})
			}
		}
	}
	// AWS access key ids: AKIA… or ASIA…, found through their 'A'.
	for k := 0; k+20 <= len(text); k++ {
		i := bytes.IndexByte(text[k:], 'A')
		if i < 0 || k+i+20 > len(text) {
			break
		}
		k += i
		if (text[k+1] == 'K' || text[k+1] == 'S') && text[k+2] == 'I' && text[k+3] == 'A' {
			if s, e, ok := awsKeyID(text, k); ok {
				r.spans = append(r.spans, span{s, e})
			}
		}
	}
	// "Bearer <token>" without a key before it, found through its 'B'
	// (a lower-case "bearer" comes after an Authorization key).
	for k := 0; k+7 < len(text); k++ {
		i := bytes.IndexByte(text[k:], 'B')
		if i < 0 {
			break
		}
		k += i
		if bytes.HasPrefix(text[k+1:], []byte("earer ")) && (k == 0 || !alnum(text[k-1])) {
			if s, e, ok := token(text, k+7); ok {
				for e > s+1 && (text[e-1] == ':' || text[e-1] == '.') {
					e-- // the sentence goes on: "Bearer xyz: denied"
				}
				r.spans = append(r.spans, span{s, e})
			}
		}
	}
	if len(r.spans) == 0 {
		return text, 0
	}
	sort.Slice(r.spans, func(i, j int) bool { return r.spans[i].start < r.spans[j].start })
	r.buf = r.buf[:0]
	n, last := 0, 0
	for _, s := range r.spans {
		if s.start < last {
			continue // inside a value masked already
		}
		r.buf = append(r.buf, text[last:s.start]...)
		r.buf = append(r.buf, Mask...)
		last = s.end
		n++
	}
	r.buf = append(r.buf, text[last:]...)
	return r.buf, n
}

// elements finds secret XML elements: <password>value</password>.
func (r *Redactor) elements(b []byte) {
	for k := 0; ; k += 2 {
		i := bytes.Index(b[k:], []byte("</"))
		if i < 0 {
			return
		}
		k += i
		n := bytes.IndexByte(b[k+2:], '>')
		if n <= 0 || n > 64 || !secretKey(b[k+2:k+2+n]) {
			continue
		}
		gt := bytes.LastIndexByte(b[:k], '>')
		if gt < 0 {
			continue
		}
		lt := bytes.LastIndexByte(b[:gt], '<')
		if lt >= 0 && bytes.HasPrefix(b[lt+1:], b[k+2:k+2+n]) && gt+1 < k && !masked(b[gt+1:k]) {
			r.spans = append(r.spans, span{gt + 1, k})
		}
	}
}

// tokens finds credentials by their prefix (tokenPrefixes), standing
// alone: the span after the prefix.
func (r *Redactor) tokens(b []byte) {
	for _, p := range tokenPrefixes {
		for k := 0; ; k += len(p) {
			i := bytes.Index(b[k:], []byte(p))
			if i < 0 {
				break
			}
			k += i
			if k > 0 && alnum(b[k-1]) && p[0] != 'h' {
				continue
			}
			e := k + len(p)
			for e < len(b) && (alnum(b[e]) || b[e] == '_' || b[e] == '-' || b[e] == '/') {
				e++
			}
			if e-(k+len(p)) >= 8 {
				r.spans = append(r.spans, span{k + len(p), e})
			}
		}
	}
}

// separator looks at an '=', ':' or TAB (w bytes wide: a full-width '＝'
// is 3) at k.
func (r *Redactor) separator(b []byte, k, w int) {
	if b[k] == ':' && k+2 < len(b) && b[k+1] == '/' && b[k+2] == '/' {
		if s, ok := urlPassword(b, k+3); ok {
			r.spans = append(r.spans, s)
		}
		return
	}
	// The key before the separator: quotes and spaces, then key bytes.
	j := k
	for j > 0 && (b[j-1] == ' ' || b[j-1] == '\t') {
		j--
	}
	quoted := false
	if j > 0 && (b[j-1] == '"' || b[j-1] == '\'') {
		j--
		quoted = true
		if j > 0 && b[j-1] == '\\' {
			j--
		}
	}
	end := j
	for j > 0 && keyByte(b[j-1]) && end-j < 128 {
		j--
	}
	key := b[j:end]
	switch {
	case len(key) == 0:
		return
	case b[k] == '\t' && !secretKey(key):
		return
	case b[k] == ':' && equalFold(key, "property"):
		// Flink's "Loading configuration property: key, value".
		ks := skipSpace(b, k+1)
		ke := ks
		for ke < len(b) && keyByte(b[ke]) {
			ke++
		}
		if ke < len(b) && b[ke] == ',' && secretKey(b[ks:ke]) {
			if s, e, ok := token(b, skipSpace(b, ke+1)); ok {
				r.spans = append(r.spans, span{s, e})
			}
		}
		return
	case quoted && equalFold(key, "value"):
		// Flink REST configuration entries: {"key":"name","value":"…"}.
		name := previousString(b, j)
		if name != nil && secretKey(name) {
			if s, e, ok := token(b, skipSpace(b, k+1)); ok {
				r.spans = append(r.spans, span{s, e})
			}
		}
		return
	case !secretKey(key) && !shortKey(key):
		return
	}
	if s, e, ok := value(b, k+w-1, containsFold(key, "authorization")); ok {
		r.spans = append(r.spans, span{s, e})
	}
}

// previousString is the quoted string that ends before the ',' before
// position j (escaped quotes count as quotes): the key name before
// "value" in {"key":"name","value":…}.
func previousString(b []byte, j int) []byte {
	j--
	for j >= 0 && (b[j] == '\\' || b[j] == ' ' || b[j] == '"') {
		j--
	}
	if j < 0 || b[j] != ',' {
		return nil
	}
	j--
	for j >= 0 && b[j] == ' ' {
		j--
	}
	if j < 0 || b[j] != '"' {
		return nil
	}
	end := j
	if end > 0 && b[end-1] == '\\' {
		end--
	}
	start := end
	for start > 0 && b[start-1] != '"' && end-start < 256 {
		start--
	}
	if start == 0 {
		return nil
	}
	return b[start:end]
}

// SecretKey says a configuration key names a secret ("s3.access.key",
// "sasl.jaas.config", "DB_PASSWORD"): its value is masked whole.
func SecretKey(key string) bool { return secretKey([]byte(key)) }

// secretKey says a key names a secret: it contains one of the keywords.
func secretKey(key []byte) bool {
	for i := 0; i+4 <= len(key); i++ {
		h := hash(prefix(key[i:]))
		if table[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		for _, k := range keywords {
			if len(key)-i >= len(k) && equalFold(key[i:i+len(k)], k) {
				return true
			}
		}
	}
	return false
}

func shortKey(key []byte) bool {
	for _, k := range shortKeys {
		if equalFold(key, k) {
			return true
		}
	}
	return false
}

func containsFold(b []byte, lower string) bool {
	for i := 0; i+len(lower) <= len(b); i++ {
		if equalFold(b[i:i+len(lower)], lower) {
			return true
		}
	}
	return false
}

// awsKeyID: AKIA or ASIA at i and 16 upper-case letters or digits,
// standing alone; the span of the 16.
func awsKeyID(b []byte, i int) (int, int, bool) {
	if i > 0 && alnum(b[i-1]) || len(b) < i+20 {
		return 0, 0, false
	}
	for _, c := range b[i+4 : i+20] {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return 0, 0, false
		}
	}
	if len(b) > i+20 && alnum(b[i+20]) {
		return 0, 0, false
	}
	return i + 4, i + 20, true
}

// urlPassword finds "user:password@" after "://" at i: the span of the
// password.
func urlPassword(b []byte, i int) (span, bool) {
	colon := -1
	for j := i; j < len(b); j++ {
		switch c := b[j]; {
		case c == ':' && colon < 0:
			colon = j
		case c == '@':
			if colon >= i && j > colon+1 && !masked(b[colon+1:j]) {
				return span{colon + 1, j}, true
			}
			return span{}, false
		case c == '/' || c == ' ' || c == '"' || c == '\'' || c == '?' || c == '#' || c == '\n' || c == '\t':
			return span{}, false
		}
	}
	return span{}, false
}

// value finds the value after the '=' or ':' at j that ends a secret key
// (key=value, key: value, "key": "value").
func value(b []byte, j int, scheme bool) (int, int, bool) {
	j = skipSpace(b, j+1)
	if scheme {
		// Authorization: Basic …, Bearer …: the credential after the scheme.
		s, e, ok := token(b, j)
		if ok && e < len(b) && b[e] == ' ' && !masked(b[s:e]) && isScheme(b[s:e]) {
			return token(b, skipSpace(b, e))
		}
		if ok && isScheme(b[s:e]) {
			return 0, 0, false
		}
	}
	return token(b, j)
}

// token is the value starting at j: quoted, to its closing quote, or bare,
// to the next delimiter.
func token(b []byte, j int) (int, int, bool) {
	if j >= len(b) {
		return 0, 0, false
	}
	quote := byte(0)
	start := j
	if b[j] == '[' || b[j] == '<' {
		// [hidden], <redacted>: masked already.
		if k := bytes.IndexAny(b[j:], "]>"); k > 0 && masked(b[j:j+k+1]) {
			return 0, 0, false
		}
	}
	if b[j] == '"' || b[j] == '\'' {
		quote, start = b[j], j+1
	} else if b[j] == '\\' && j+1 < len(b) && b[j+1] == '"' {
		quote, start = '"', j+2
	}
	end := start
	for end < len(b) {
		c := b[end]
		if quote != 0 {
			if c == quote || c == '\\' && end+1 < len(b) && b[end+1] == quote || c == '\n' {
				break
			}
		} else if c <= ' ' || c == ',' || c == ';' || c == '&' || c == '"' || c == '\'' || c == '}' || c == ']' || c == ')' || c == '\\' {
			break
		}
		end++
	}
	if end == start || masked(b[start:end]) {
		return 0, 0, false
	}
	return start, end, true
}

// masked says a value is a mask already, or empty-looking.
func masked(v []byte) bool {
	switch string(v) {
	case Mask, "[hidden]", "<hidden>", "<redacted>", "[redacted]", "null", "***", "****", "*****":
		return true
	}
	return false
}

func isScheme(v []byte) bool {
	for _, s := range []string{"basic", "bearer", "digest", "negotiate", "token", "aws4-hmac-sha256"} {
		if equalFold(v, s) {
			return true
		}
	}
	return false
}

func skipSpace(b []byte, j int) int {
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	return j
}

// skipQuote skips a closing or opening quote, escaped or not.
func skipQuote(b []byte, j int) int {
	switch {
	case j < len(b) && (b[j] == '"' || b[j] == '\''):
		return j + 1
	case j+1 < len(b) && b[j] == '\\' && b[j+1] == '"':
		return j + 2
	}
	return j
}

func keyByte(c byte) bool { return alnum(c) || c == '.' || c == '-' || c == '_' }

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

// equalFold compares ASCII bytes with a lower-case word.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// Text masks the secrets of a text of several lines (a stack trace, a
// multi-line message): the frames of a stack trace ("\tat …", "\t... 3
// more") carry none and are not looked at.
func (r *Redactor) Text(text []byte) ([]byte, int) {
	n := 0
	var out []byte
	pem := false // inside a PEM private key's body
	for start := 0; start < len(text); {
		end := bytes.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start + 1
		}
		line := text[start:end]
		if r.extras && (pem || bytes.Contains(line, []byte("PRIVATE KEY-----")) && bytes.Contains(line, []byte("BEGIN")) && !bytes.Contains(line, []byte("-----END"))) {
			// A PEM private key across lines: its body is masked line by
			// line, its BEGIN and END lines kept.
			if pem && !bytes.Contains(line, []byte("-----END")) {
				if out == nil {
					out = append(make([]byte, 0, len(text)+16), text[:start]...)
				}
				out = append(out, Mask...)
				if line[len(line)-1] == '\n' {
					out = append(out, '\n')
				}
				n++
				start = end
				continue
			}
			pem = !pem
		}
		if !frame(line) {
			masked, k := r.Line(line)
			if k > 0 {
				if out == nil {
					out = append(make([]byte, 0, len(text)+16), text[:start]...)
				}
				out = append(out, masked...)
				n += k
				start = end
				continue
			}
		}
		if out != nil {
			out = append(out, line...)
		}
		start = end
	}
	if out == nil {
		return text, 0
	}
	return out, n
}

// frame says a line is a stack frame: "\tat pkg.Class.method(File.java:12)"
// or "\t... 12 more". A line that only starts like one (" ... password=x")
// is not.
func frame(line []byte) bool {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i == 0 {
		return false
	}
	rest := line[i:]
	switch {
	case bytes.HasPrefix(rest, []byte("... ")):
		return len(rest) > 4 && '0' <= rest[4] && rest[4] <= '9'
	case bytes.HasPrefix(rest, []byte("at ")):
		// The method, then its place in parentheses: no blank or '='
		// before the '('.
		p := bytes.IndexByte(rest[3:], '(')
		return p > 0 && bytes.IndexAny(rest[3:3+p], " =") < 0
	}
	return false
}
