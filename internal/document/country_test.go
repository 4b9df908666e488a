package document

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The engine is generic: what one tax agency asks lives in its biller
// (biller.Rules), so no engine source names a country's document type or
// its tax id (issue 14 point 5).
func TestEngineNamesNoAgency(t *testing.T) {
	agency := regexp.MustCompile(`"CL|CL[0-9]{2}|\bRUT\b|\bSII\b|clsii`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if agency.MatchString(line) {
				t.Errorf("%s:%d names an agency: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
