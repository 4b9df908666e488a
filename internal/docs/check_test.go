package docs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository's directory (two levels up from here).
func repoRoot(t *testing.T) string {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// trackedFiles lists the repository's files: git's index when there is
// one, else every file below root outside hidden directories.
func trackedFiles(t *testing.T, root string) []string {
	if out, err := exec.Command("git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard").Output(); err == nil {
		var files []string
		for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if _, err := os.Stat(filepath.Join(root, f)); err == nil {
				files = append(files, f)
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != root {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// selfTest is this file: its cases are broken citations on purpose.
const selfTest = "internal/docs/check_test.go"

// Every citation in Go code, README.md, CONTRIBUTING.md and docs/ names a
// file and heading that exist; nothing points outside the repository.
func TestCitations(t *testing.T) {
	root := repoRoot(t)
	c := &Checker{Root: root}
	var problems []Problem
	checked := 0
	for _, f := range trackedFiles(t, root) {
		isDoc := f == "README.md" || f == "CONTRIBUTING.md" || (strings.HasPrefix(f, "docs/") && strings.HasSuffix(f, ".md"))
		if (!strings.HasSuffix(f, ".go") && !isDoc) || f == selfTest {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if isDoc {
			problems = append(problems, c.Markdown(f, string(b))...)
		} else {
			problems = append(problems, c.Go(f, string(b))...)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d files checked; the repository was not found at %s", checked, root)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// The reference's headings are unique within each page, so an anchor
// never depends on the order of headings (GitHub's -1 suffixes).
func TestAnchorsUnique(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(repoRoot(t), "docs", "*.md"))
	if err != nil || len(pages) < 10 {
		t.Fatalf("docs/*.md: %d pages, %v", len(pages), err)
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, rep := Anchors(string(b)); len(rep) > 0 {
			t.Errorf("%s: repeated headings %q", filepath.Base(p), rep)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"8.11 Errors":                       "811-errors",
		"1. Base URL and paths":             "1-base-url-and-paths",
		"10. PDFs and `local_file`":         "10-pdfs-and-local_file",
		"8.2 Mexico — RFC":                  "82-mexico--rfc",
		"4. Publishable (public) endpoints": "4-publishable-public-endpoints",
		"(Cobro) marks":                     "cobro-marks",
		"Ñandú: año":                        "ñandú-año",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// The checker itself: each kind of broken citation is reported, good
// ones are not.
func TestCheckerFindsBrokenCitations(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	page := "# Billing\n\n## 8. Subscriptions\n\n### 8.11 Errors\n\n```\n## not a heading\n```\n"
	if err := os.WriteFile(filepath.Join(root, "docs", "billing.md"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Checker{Root: root}
	sect := "\u00a7"
	for _, tc := range []struct {
		line string
		bad  bool
	}{
		{"// see docs/billing.md#811-errors and docs/billing.md#8-subscriptions", false},
		{"// see docs/billing.md", false},
		{"// see docs/billing.md#812-example", true},
		{"// see docs/billing.md#not-a-heading", true},
		{"// see docs/payments.md#1-gateways", true},
		{"// see billing.md " + sect + "8.11", true},
		{"// see README " + sect + "3", true},
		{"// the contract: ../" + "shared/api/billing.md", true},
		{"// shared/" + "api/billing.md", true},
		{"// the " + sect + "8.11 answer", true},
		{"// byte compaction (ISO/IEC 15438 " + sect + "5.4.3)", false},
		{"// RFC 8017 " + sect + "9.2", false},
		{"// limits (ISO/IEC 15438 " + sect + "4.1 and " + sect + "5.3)", false},
		{"// byte compaction (ISO/IEC 15438\n// " + sect + "5.4.3): the latch", false},
		{"// the contract\n// " + sect + "5.4.3): the latch", true},
		{"// design.md", true},
		{`b, _ := os.ReadFile("../../README.md")`, false},
	} {
		got := c.Go("x.go", tc.line)
		if (len(got) > 0) != tc.bad {
			t.Errorf("Go(%q) = %v, want bad=%v", tc.line, got, tc.bad)
		}
	}
	for _, tc := range []struct {
		line string
		bad  bool
	}{
		{"see [billing " + sect + "8.11](billing.md#811-errors)", false},
		{"see [" + sect + "8](#8-subscriptions)", false},
		{"see [errors](billing.md#errors)", true},
		{"see [x](#812-example)", true},
		{"see [x](payments.md)", true},
		{"see [x](https://example.com/a.md#b)", false},
		{"see " + sect + "8.11", true},
		{"```\n" + sect + "8 inside code\n```", false},
	} {
		got := c.Markdown("docs/billing.md", tc.line)
		if (len(got) > 0) != tc.bad {
			t.Errorf("Markdown(%q) = %v, want bad=%v", tc.line, got, tc.bad)
		}
	}
}
