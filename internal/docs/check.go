// Package docs checks that the repository's citations hold: every
// reference to the API reference under docs/ (in Go code, README.md,
// CONTRIBUTING.md and the reference's own pages) names a file and a
// heading that exist, and nothing points outside the repository.
package docs

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
	"unicode"
)

// Problem is one citation that does not hold.
type Problem struct {
	File string // repository-relative path
	Line int
	Text string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Text) }

// Slug is the anchor GitHub gives a heading: lower case; letters, marks,
// digits, '_', '-' and spaces kept; each space becomes '-'.
func Slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || unicode.IsNumber(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	headingRe = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	// a section sign followed by a number: a citation that names no file
	sectionRe = regexp.MustCompile(`\x{a7}\s?\d`)
	// standards cite their own sections ("RFC 8017 \u00a78.2", "ISO/IEC
	// 15438 \u00a74.1 and \u00a75.3")
	externalRe = regexp.MustCompile(`(RFC \d+|ISO/IEC \d+(-\d+)?|ISO \d+)[,:]?\s*(\x{a7}\s?[\d.]+[\s,;/–-]*(and|or)?\s*)*$`)
	// nothing but a comment marker before it: the citation wrapped
	wrappedRe = regexp.MustCompile(`^\s*(//)?\s*$`)
	outsideRe = regexp.MustCompile(`\.\./shared|shared/ap[i]`)
	// a markdown file named in Go code, with an optional #anchor
	goCiteRe = regexp.MustCompile(`(^|[^\w./-])((?:docs/)?[A-Za-z][\w-]*\.md)(#[\w\p{L}\p{M}\p{N}-]+)?`)
	linkRe   = regexp.MustCompile(`\[([^\]]*)\]\(([^)\s]+)\)`)
)

// Anchors returns the heading anchors of a markdown text, in order, with
// GitHub's -1, -2 … suffixes for repeats, and the repeated ones.
func Anchors(text string) (anchors map[string]bool, repeated []string) {
	anchors = map[string]bool{}
	seen := map[string]int{}
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		m := headingRe.FindStringSubmatch(line)
		if fence || m == nil {
			continue
		}
		s := Slug(m[2])
		if n := seen[s]; n > 0 {
			repeated = append(repeated, m[2])
			anchors[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			anchors[s] = true
		}
		seen[s]++
	}
	return anchors, repeated
}

// Checker checks citations against the files of one repository tree.
type Checker struct {
	Root    string // the repository's directory
	anchors map[string]map[string]bool
}

// target checks that file (repository-relative) exists and, when anchor
// is not empty, has a heading with that anchor. It returns what is wrong.
func (c *Checker) target(file, anchor string) string {
	if c.anchors == nil {
		c.anchors = map[string]map[string]bool{}
	}
	as, ok := c.anchors[file]
	if !ok {
		b, err := os.ReadFile(path.Join(c.Root, file))
		if err != nil {
			c.anchors[file] = nil
			return "cites " + file + ", which is not in the repository"
		}
		as, _ = Anchors(string(b))
		c.anchors[file] = as
	}
	if as == nil {
		return "cites " + file + ", which is not in the repository"
	}
	if anchor != "" && !as[anchor] {
		return "cites " + file + "#" + anchor + ", but " + file + " has no such heading"
	}
	return ""
}

// common reports what every kind of file must not contain; prev is the
// line before, where a wrapped standard's name may be.
func common(prev, line string, sections [][]int) []string {
	var out []string
	if outsideRe.MatchString(line) {
		out = append(out, "points outside the repository: "+strings.TrimSpace(line))
	}
	for _, loc := range sections {
		before := line[:loc[0]]
		if wrappedRe.MatchString(before) {
			before = strings.TrimSpace(prev) + " "
		}
		if !externalRe.MatchString(before) {
			out = append(out, "a § number without a file (cite the page and heading: docs/<page>.md#<anchor>): "+strings.TrimSpace(line))
			break
		}
	}
	return out
}

// Go checks the citations of a Go source file.
func (c *Checker) Go(file string, src string) []Problem {
	var out []Problem
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		prev := ""
		if i > 0 {
			prev = lines[i-1]
		}
		for _, msg := range common(prev, line, sectionRe.FindAllStringIndex(line, -1)) {
			out = append(out, Problem{file, i + 1, msg})
		}
		for _, m := range goCiteRe.FindAllStringSubmatch(line, -1) {
			if msg := c.target(m[2], strings.TrimPrefix(m[3], "#")); msg != "" {
				out = append(out, Problem{file, i + 1, msg})
			}
		}
	}
	return out
}

// Markdown checks the links and citations of a markdown file: relative
// links must reach an existing file and heading; § numbers may appear
// only as the text of such a link.
func (c *Checker) Markdown(file string, src string) []Problem {
	var out []Problem
	dir := path.Dir(file)
	fence, prev := false, ""
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		last := prev
		prev = line
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		links := linkRe.FindAllStringSubmatchIndex(line, -1)
		var bare [][]int
		for _, loc := range sectionRe.FindAllStringIndex(line, -1) {
			inLink := false
			for _, l := range links {
				inLink = inLink || (loc[0] >= l[2] && loc[1] <= l[3])
			}
			if !inLink {
				bare = append(bare, loc)
			}
		}
		for _, msg := range common(last, line, bare) {
			out = append(out, Problem{file, n, msg})
		}
		for _, l := range links {
			dest := line[l[4]:l[5]]
			if strings.Contains(dest, "://") || strings.HasPrefix(dest, "mailto:") {
				continue
			}
			target, anchor, _ := strings.Cut(dest, "#")
			if target == "" {
				target = file
			} else {
				target = path.Join(dir, target)
			}
			if !strings.HasSuffix(target, ".md") {
				if _, err := os.Stat(path.Join(c.Root, target)); err != nil {
					out = append(out, Problem{file, n, "links to " + target + ", which is not in the repository"})
				}
				continue
			}
			if msg := c.target(target, anchor); msg != "" {
				out = append(out, Problem{file, n, msg})
			}
		}
	}
	return out
}
