package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/cobrobilling/cobro/internal/pdf/pdf417"
)

// PDF417PNG draws data (the Chilean TED, ISO-8859-1 bytes) as a PDF417
// barcode with error-correction level 5 (tax-agency.md §11), as an 8-bit
// grey PNG: each module 2 pixels wide and rows at least 3 modules high,
// taller when needed for the printed stamp to be at least 2 cm high at
// the layout's 62 mm width (§11: 2 × 5 cm to 3 × 9 cm). The
// encoder's own image is converted to image.Gray first: fpdf cannot embed
// the 16-bit PNG boombuler's colour model produces.
func PDF417PNG(data []byte) ([]byte, error) {
	code, err := pdf417.Encode(string(data), 5)
	if err != nil {
		return nil, fmt.Errorf("pdf417: %w", err)
	}
	b := code.Bounds()
	const moduleW = 2
	// boombuler draws each row moduleHeight (2) pixels high
	rows := b.Dy() / 2
	widthPx := b.Dx()*moduleW + 8*moduleW
	rowH := 3 * moduleW
	for rows*rowH < widthPx*36/100 { // height ≥ 0.36 × width: ≥ 22 mm at 62 mm
		rowH++
	}
	img := image.NewGray(image.Rect(0, 0, b.Dx()*moduleW+8*moduleW, rows*rowH+4*moduleW))
	for i := range img.Pix {
		img.Pix[i] = 0xff // quiet zone
	}
	for y := 0; y < rows; y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.GrayModel.Convert(code.At(b.Min.X+x, b.Min.Y+y*2)).(color.Gray)
			if c.Y >= 128 {
				continue
			}
			for dy := 0; dy < rowH; dy++ {
				for dx := 0; dx < moduleW; dx++ {
					img.SetGray(4*moduleW+x*moduleW+dx, 2*moduleW+y*rowH+dy, color.Gray{Y: 0})
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
