package pdf

import (
	"bytes"
	"fmt"
	"image/png"
	"math"

	"github.com/cobrobilling/cobro/internal/pdf/pdf417"
)

// Barcode is an image printed at a fixed size: for a barcode the printed
// module size, not the pixel count, decides whether a scanner reads it.
type Barcode struct {
	PNG           []byte
	Width, Height float64 // printed size, mm
}

// The Chilean stamp (docs/tax-agency.md#11-pdf-with-pdf417-chile): the TED in PDF417 with
// error-correction level 5 and byte compaction, printed at least 2 × 5 cm
// and at most 3 × 9 cm (the SII's own minimum is 2 × 4.5 cm), and it must
// scan when printed at 200 dpi and more.
const (
	stampLevel = 5
	stampMinW  = 50.0
	stampMinH  = 20.0
	stampMaxW  = 90.0
	stampMaxH  = 30.0
	// maxModule caps the module (X) width at 0.254 mm, 2 dots at 200 dpi
	// and 3 at 300 dpi: wider modules gain a scanner nothing and would
	// make short TEDs needlessly wide.
	maxModule = 0.254
	// rowModules is the row height in modules the standard recommends
	// (at least 3); rows grow taller only to reach stampMinH.
	rowModules = 3
	// quietModules of white surround the symbol (ISO/IEC 15438: ≥ 2).
	quietModules = 2
	// modulePx is the drawn width of a module in the PNG; the PDF scales
	// the image to the printed size.
	modulePx = 2
)

// stampLayout is the column count, module width x and row height y (mm)
// of the stamp for n bytes: the widest module that keeps the symbol
// within stampMaxW × stampMaxH (a bigger module is what makes a printed
// stamp scan), and among equal modules the fewest columns that reach
// stampMinW.
func stampLayout(n int) (cols, rows int, x, y float64, err error) {
	for c := 1; c <= pdf417.MaxColumns; c++ {
		r, e := pdf417.Rows(n, stampLevel, c)
		if e != nil {
			continue
		}
		w := float64(pdf417.Width(c) + 2*quietModules)
		h := float64(rowModules*r + 2*quietModules)
		cx := min(maxModule, stampMaxW/w, stampMaxH/h)
		const eps = 1e-9
		if cx > x+eps || (math.Abs(cx-x) <= eps && float64(pdf417.Width(cols)+2*quietModules)*x < stampMinW) {
			cols, rows, x = c, r, cx
		}
	}
	if cols == 0 {
		return 0, 0, 0, 0, pdf417.ErrTooLong
	}
	y = max(rowModules*x, (stampMinH-2*quietModules*x)/float64(rows))
	return cols, rows, x, y, nil
}

// PDF417Stamp draws data (the Chilean TED, ISO-8859-1 bytes) as the SII's
// PDF417 stamp: an 8-bit grey PNG (what fpdf embeds) with its quiet zone,
// and the size to print it at.
func PDF417Stamp(data []byte) (*Barcode, error) {
	cols, rows, x, y, err := stampLayout(len(data))
	if err != nil {
		return nil, fmt.Errorf("pdf417: %d bytes: %w", len(data), err)
	}
	sym, err := pdf417.Encode(data, stampLevel, cols)
	if err != nil {
		return nil, fmt.Errorf("pdf417: %w", err)
	}
	rowPx := int(math.Round(modulePx * y / x))
	var buf bytes.Buffer
	if err := png.Encode(&buf, sym.Image(modulePx, rowPx, quietModules)); err != nil {
		return nil, err
	}
	return &Barcode{
		PNG:    buf.Bytes(),
		Width:  float64(sym.Width()+2*quietModules) * x,
		Height: float64(rows)*y + 2*quietModules*x,
	}, nil
}
