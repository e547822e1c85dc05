package platform

import (
	"strconv"
	"strings"
)

// A small YAML reader for what kubectl writes (-o yaml): block mappings and
// sequences, "- key: value" items, plain, single- and double-quoted
// scalars, "|" and ">" blocks, empty flow collections ({} and []),
// comments and "---" between documents. Anchors, tags and flow
// collections with content are not Kubernetes' output and are kept as
// strings.

type yline struct {
	indent int
	text   string // without indent and comment
	num    int64
}

// parseYAML parses the documents of src; each is a map[string]any,
// []any or string.
func parseYAML(src string) []any {
	var docs []any
	var lines []yline
	flush := func() {
		if len(lines) > 0 {
			p := &yparser{lines: lines}
			docs = append(docs, p.value(lines[0].indent))
		}
		lines = nil
	}
	var pending *yline
	var pendingQuote byte
	for n, raw := range strings.Split(src, "\n") {
		raw = strings.TrimRight(raw, "\r")
		t := strings.TrimLeft(raw, " ")
		if pending != nil {
			pending.text += " " + strings.TrimSpace(t)
			if closesQuote(strings.TrimSpace(t), pendingQuote) {
				lines = append(lines, *pending)
				pending = nil
			}
			continue
		}
		if t == "---" || strings.HasPrefix(t, "--- ") && len(raw) == len(t) {
			flush()
			continue
		}
		if t == "" || t[0] == '#' || t == "..." {
			continue
		}
		// A quoted scalar may go on over the next lines (folded with spaces).
		if q := openQuote(t); q != 0 && len(lines) >= 0 {
			pending = &yline{indent: len(raw) - len(t), text: t, num: int64(n + 1)}
			pendingQuote = q
			continue
		}
		lines = append(lines, yline{indent: len(raw) - len(t), text: stripComment(t), num: int64(n + 1)})
	}
	flush()
	return docs
}

// stripComment cuts " # comment" outside quotes.
func stripComment(t string) string {
	inS, inD := false, false
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c == '\'' && !inD:
			inS = !inS
		case c == '"' && !inS:
			inD = !inD
		case c == '\\' && inD:
			i++
		case c == '#' && !inS && !inD && i > 0 && t[i-1] == ' ':
			return strings.TrimRight(t[:i], " ")
		}
	}
	return t
}

type yparser struct {
	lines []yline
	i     int
}

// value parses the block starting at the current line, at indent.
func (p *yparser) value(indent int) any {
	if p.i >= len(p.lines) {
		return nil
	}
	l := p.lines[p.i]
	if strings.HasPrefix(l.text, "- ") || l.text == "-" {
		return p.sequence(l.indent)
	}
	if _, _, ok := splitKey(l.text); ok {
		return p.mapping(l.indent)
	}
	p.i++
	return scalar(l.text)
}

func (p *yparser) sequence(indent int) []any {
	var out []any
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent != indent || !(strings.HasPrefix(l.text, "- ") || l.text == "-") {
			break
		}
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		if rest == "" {
			p.i++
			if p.i < len(p.lines) && p.lines[p.i].indent > indent {
				out = append(out, p.value(p.lines[p.i].indent))
			} else {
				out = append(out, nil)
			}
			continue
		}
		if isBlockIndicator(rest) {
			p.i++
			out = append(out, p.block(indent, rest))
			continue
		}
		// "- key: value": a mapping whose first line shares the dash's;
		// its other keys are indented to where rest starts.
		inner := indent + (len(l.text) - len(rest))
		if _, _, ok := splitKey(rest); ok {
			p.lines[p.i] = yline{indent: inner, text: rest, num: l.num}
			out = append(out, p.mapping(inner))
			continue
		}
		p.i++
		out = append(out, scalar(rest))
	}
	return out
}

func (p *yparser) mapping(indent int) map[string]any {
	out := map[string]any{}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent != indent {
			break
		}
		k, v, ok := splitKey(l.text)
		if !ok {
			break
		}
		p.i++
		switch {
		case isBlockIndicator(v):
			out[k] = p.block(indent, v)
		case v != "":
			out[k] = scalar(v)
		case p.i < len(p.lines) && (p.lines[p.i].indent > indent ||
			p.lines[p.i].indent == indent && strings.HasPrefix(p.lines[p.i].text, "- ")):
			out[k] = p.value(p.lines[p.i].indent)
		default:
			out[k] = nil
		}
	}
	return out
}

// splitKey splits "key: value" (the key may be quoted).
func splitKey(t string) (string, string, bool) {
	if t == "" || t[0] == '-' && (len(t) == 1 || t[1] == ' ') {
		return "", "", false
	}
	if t[0] == '"' || t[0] == '\'' {
		end := strings.IndexByte(t[1:], t[0])
		if end < 0 || 2+end >= len(t) || t[2+end] != ':' {
			return "", "", false
		}
		return t[1 : 1+end], strings.TrimSpace(t[3+end:]), true
	}
	for i := 0; i < len(t); i++ {
		if t[i] == ':' && (i+1 == len(t) || t[i+1] == ' ') {
			return t[:i], strings.TrimSpace(t[i+1:]), true
		}
		if t[i] == ' ' && i+1 < len(t) && t[i+1] == '#' {
			break
		}
	}
	return "", "", false
}

// scalar reads a scalar; quoted strings are unquoted, {} and [] are empty
// collections, everything else is kept as its text.
func scalar(v string) any {
	switch {
	case v == "{}":
		return map[string]any{}
	case v == "[]":
		return []any{}
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
		return v[1 : len(v)-1]
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return v
}

// openQuote returns the quote of a scalar value that starts on this line
// and does not end on it (0 if none).
func openQuote(t string) byte {
	v := t
	if strings.HasPrefix(v, "- ") {
		v = strings.TrimLeft(v[2:], " ")
	}
	if _, val, ok := splitKey(v); ok {
		v = val
	} else if v != t {
		// "- 'scalar"
	} else {
		return 0
	}
	if v == "" || (v[0] != '\'' && v[0] != '"') {
		return 0
	}
	if closesQuote(v[1:], v[0]) {
		return 0
	}
	return v[0]
}

// closesQuote says s (the rest of a quoted scalar) holds its closing quote.
func closesQuote(s string, q byte) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			if q == '\'' && i+1 < len(s) && s[i+1] == '\'' {
				i++ // '' is a quote inside
				continue
			}
			return true
		}
	}
	return false
}

func isBlockIndicator(v string) bool {
	return v == "|" || v == "|-" || v == ">" || v == ">-" || v == "|+" || v == ">+"
}

// block reads the lines of a "|" or ">" scalar, those indented more than
// indent.
func (p *yparser) block(indent int, v string) string {
	var sb []string
	for p.i < len(p.lines) && p.lines[p.i].indent > indent {
		sb = append(sb, p.lines[p.i].text)
		p.i++
	}
	sep := "\n"
	if v[0] == '>' {
		sep = " "
	}
	return strings.Join(sb, sep)
}
