package manifest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Error is one mistake in a manifest, at a line of its file.
type Error struct {
	File string
	// Line is 1-based; 0 when the mistake has no line (an unreadable file).
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// ErrorList is every mistake found in a manifest, in line order. Parse and
// Validate return one when they find anything; its message has one line per
// mistake.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap gives the single errors to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// err returns the list as an error, sorted by line and without repeats
// (a mistake in an anchored node shows at each alias), or nil when it is
// empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	sort.SliceStable(l, func(i, j int) bool { return l[i].Line < l[j].Line })
	out := l[:0]
	seen := map[Error]bool{}
	for _, e := range l {
		if !seen[*e] {
			seen[*e] = true
			out = append(out, e)
		}
	}
	return out
}

// yamlLine matches the position yaml.v3 puts in front of a syntax error.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlAnchor matches yaml.v3's error for an alias without its anchor, which
// carries no line.
var yamlAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// yamlParserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner). yaml.v3 reports the parser's 0-based line of the enclosing
// construct without adding one, while it does add one for scanner errors;
// these get the one added here so the line is where the construct starts.
var yamlParserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected key",
	"did not find expected '-' indicator",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// syntaxError turns an error of yaml.v3 into an Error with a line. yaml.v3
// omits the line when it is the first, and for an unknown anchor, whose use
// is looked up in data instead.
func syntaxError(file string, data []byte, err error) *Error {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		line, _ = strconv.Atoi(m[1])
		for _, p := range yamlParserProblems {
			if msg == p {
				line++
				break
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		if m := yamlAnchor.FindStringSubmatch(err.Error()); m != nil {
			if i := strings.Index(string(data), "*"+m[1]); i >= 0 {
				line = 1 + strings.Count(string(data[:i]), "\n")
			}
		}
	}
	return &Error{File: file, Line: line, Msg: fmt.Sprintf("malformed YAML: %s", msg)}
}
