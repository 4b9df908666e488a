package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/cobrobilling/cobro/internal/pdf/pdf417"
	"github.com/cobrobilling/cobro/internal/scantest"
)

// isoPayload is n random ISO-8859-1 bytes (the high half included) that
// start like a TED.
func isoPayload(rng *rand.Rand, n int) []byte {
	b := []byte(`<TED version="1.0">`)
	for len(b) < n {
		b = append(b, byte(rng.IntN(256)))
	}
	return b[:n]
}

var stampSizes = []int{100, 250, 500, 700, 826, 900, 1000}

// The printed stamp stays within the SII's 2 × 5 cm to 3 × 9 cm for TEDs
// of 100 to 1,000 bytes, with rows at least 3 modules high, and with
// modules of at least 0.21 mm (1.65 dots at 200 dpi).
func TestStampSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range stampSizes {
		cols, rows, x, y, err := stampLayout(n)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		st, err := PDF417Stamp(isoPayload(rng, n))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%4d bytes: %2d columns × %2d rows, X %.3f mm, row %.3f mm, %.1f × %.1f mm", n, cols, rows, x, y, st.Width, st.Height)
		if st.Width < stampMinW || st.Width > stampMaxW+1e-9 || st.Height < stampMinH-1e-9 || st.Height > stampMaxH+1e-9 {
			t.Errorf("%d bytes: stamp %.1f × %.1f mm", n, st.Width, st.Height)
		}
		if x < 0.21 || y < 3*x-1e-9 {
			t.Errorf("%d bytes: module %.3f mm, row %.3f mm", n, x, y)
		}
		img, err := png.Decode(bytes.NewReader(st.PNG))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := img.(*image.Gray); !ok {
			t.Errorf("stamp PNG is %T, want 8-bit grey (what fpdf embeds)", img)
		}
	}
	if _, err := PDF417Stamp(make([]byte, 1100)); err == nil {
		t.Error("1,100 bytes: no error")
	}
}

// The stamp scans from paper: TED-like payloads of 100 to 1,000 bytes,
// stamped on a Chilean invoice, rendered by pdftoppm at 200 and 300 dpi,
// read back by ZXing C++ to the exact bytes; the embedded PNG reads too.
// STAMP_PAGES=dir keeps the 200-dpi pages as PNG.
func TestStampScans(t *testing.T) {
	dec := scantest.NewDecoder(t)
	rng := rand.New(rand.NewPCG(15438, 200))
	var want [][]byte
	var what []string
	var images [][]byte
	for _, n := range stampSizes {
		data := isoPayload(rng, n)
		st, err := PDF417Stamp(data)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(st.PNG))
		if err != nil {
			t.Fatal(err)
		}
		want, what, images = append(want, data), append(what, fmt.Sprintf("%d bytes, embedded PNG", n)), append(images, scantest.PGM(img.(*image.Gray)))
		for dpi, page := range stampPages(t, st, n) {
			want, what, images = append(want, data), append(what, fmt.Sprintf("%d bytes at %d dpi", n, dpi)), append(images, page)
		}
	}
	for i, got := range dec.DecodeAll(t, images) {
		if len(got) != 1 || !bytes.Equal(got[0], want[i]) {
			t.Errorf("%s: %d symbols read, not the exact bytes", what[i], len(got))
		}
	}

	// Control, so that this test can fail: the previous layout (27
	// columns printed 62 mm wide, modules of 0.116 mm) does not read at
	// 200 or 300 dpi.
	sym, err := pdf417.Encode(isoPayload(rng, 826), stampLevel, 27)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	img := sym.Image(modulePx, 3*modulePx, quietModules)
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	w := float64(sym.Width()+2*quietModules) * 0.116
	old := &Barcode{PNG: buf.Bytes(), Width: w, Height: w * float64(img.Rect.Dy()) / float64(img.Rect.Dx())}
	pages := stampPages(t, old, 0)
	for i, got := range dec.DecodeAll(t, [][]byte{pages[200], pages[300]}) {
		if len(got) != 0 {
			t.Errorf("control %d: 0.116 mm modules read; the scan test proves nothing", i)
		}
	}
}

// stampPages renders the Chilean invoice with the stamp and returns its
// last page rasterized at 200 and 300 dpi (grey PGM).
func stampPages(t *testing.T, st *Barcode, n int) map[int][]byte {
	t.Helper()
	d := facturaCLP(t)
	d.Stamp = st
	out, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	pages := map[int][]byte{}
	for _, dpi := range []int{200, 300} {
		keep := ""
		if dir := os.Getenv("STAMP_PAGES"); dir != "" && dpi == 200 && n > 0 {
			keep = fmt.Sprintf("%s/stamp-%d", dir, n)
		}
		all := scantest.Rasterize(t, out, dpi, keep)
		pages[dpi] = all[len(all)-1]
	}
	return pages
}
