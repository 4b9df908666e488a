// Package scantest reads PDF417 symbols back for tests with an independent
// decoder, ZXing C++ (Debian's python3-zxing-cpp), and rasterizes PDFs
// with pdftoppm (poppler-utils). Both are installed by .ci/run. Without
// them a test is skipped on a developer machine and fails in CI (CI=true),
// so CI cannot pass by skipping.
package scantest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// decodeScript reads each binary PGM (P5) named on its command line into
// a numpy array and prints a line per image: the hex of the bytes of each
// PDF417 symbol ZXing finds in it, comma-separated, or "-" for none.
const decodeScript = `
import sys, numpy, zxingcpp
def pgm(path):
    data = open(path, 'rb').read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos+1].isspace():
            pos += 1
        if data[pos:pos+1] == b'#':
            pos = data.index(b'\n', pos)
            continue
        start = pos
        while not data[pos:pos+1].isspace():
            pos += 1
        fields.append(data[start:pos])
    w, h = int(fields[1]), int(fields[2])
    return numpy.frombuffer(data, dtype=numpy.uint8, count=w*h, offset=pos+1).reshape(h, w)
for path in sys.argv[1:]:
    found = zxingcpp.read_barcodes(pgm(path), formats=zxingcpp.BarcodeFormat.PDF417)
    print(','.join(r.bytes.hex() for r in found) or '-')
`

// missing skips the test, or fails it in CI.
func missing(t testing.TB, what string) {
	t.Helper()
	msg := what + " is not installed (.ci/run installs it: apt-get install python3-zxing-cpp poppler-utils)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIP: " + msg)
}

// Decoder finds a Python with the zxingcpp module (the Debian package
// installs it for /usr/bin/python3, which a pyenv or venv python3 earlier
// on PATH may not see).
type Decoder struct{ python string }

// NewDecoder returns the decoder, skipping or failing the test (see the
// package comment) when ZXing C++ is not installed.
func NewDecoder(t testing.TB) *Decoder {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import numpy, zxingcpp").Run() == nil {
			return &Decoder{python: path}
		}
	}
	missing(t, "ZXing C++ for Python (python3-zxing-cpp)")
	return nil
}

// Decode returns the bytes of every PDF417 symbol found in a grey image.
func (d *Decoder) Decode(t testing.TB, img *image.Gray) [][]byte {
	t.Helper()
	return d.DecodePGM(t, PGM(img))
}

// DecodePGM returns the bytes of every PDF417 symbol found in a binary
// PGM image.
func (d *Decoder) DecodePGM(t testing.TB, pgm []byte) [][]byte {
	t.Helper()
	return d.DecodeAll(t, [][]byte{pgm})[0]
}

// DecodeAll decodes several PGM images with one run of the decoder: for
// each image, the bytes of every PDF417 symbol found in it.
func (d *Decoder) DecodeAll(t testing.TB, pgms [][]byte) [][][]byte {
	t.Helper()
	dir := t.TempDir()
	args := []string{"-c", decodeScript}
	for i, pgm := range pgms {
		in := filepath.Join(dir, fmt.Sprintf("in%d.pgm", i))
		if err := os.WriteFile(in, pgm, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, in)
	}
	out, err := exec.Command(d.python, args...).Output()
	if err != nil {
		t.Fatalf("zxing: %v %s", err, stderr(err))
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(pgms) {
		t.Fatalf("zxing answered %d lines for %d images", len(lines), len(pgms))
	}
	found := make([][][]byte, len(pgms))
	for i, line := range lines {
		if line == "-" {
			continue
		}
		for _, h := range strings.Split(line, ",") {
			b, err := hex.DecodeString(h)
			if err != nil {
				t.Fatalf("zxing output %q: %v", h, err)
			}
			found[i] = append(found[i], b)
		}
	}
	return found
}

func stderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// PGM encodes a grey image as a binary PGM.
func PGM(img *image.Gray) []byte {
	b := img.Bounds()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "P5\n%d %d\n255\n", b.Dx(), b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		off := img.PixOffset(b.Min.X, y)
		buf.Write(img.Pix[off : off+b.Dx()])
	}
	return buf.Bytes()
}

// Rasterize renders every page of a PDF at dpi dots per inch with
// pdftoppm and returns the pages as grey PGM images. keep, when not
// empty, is a path prefix where PNG copies of the pages are also written.
func Rasterize(t testing.TB, pdf []byte, dpi int, keep string) [][]byte {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		missing(t, "pdftoppm (poppler-utils)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	res := fmt.Sprint(dpi)
	if out, err := exec.Command("pdftoppm", "-r", res, "-gray", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	if keep != "" {
		if out, err := exec.Command("pdftoppm", "-r", res, "-png", in, keep).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
	}
	names, _ := filepath.Glob(filepath.Join(dir, "page*.pgm"))
	sort.Strings(names)
	var pages [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b)
	}
	if len(pages) == 0 {
		t.Fatal("pdftoppm rendered no page")
	}
	return pages
}
