package api_test

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/scantest"
)

// tedElement is the <TED> element as the DTE file carries it: the exact
// ISO-8859-1 bytes the stamp must hold (docs/tax-agency.md#11-pdf-with-pdf417-chile).
var tedElement = regexp.MustCompile(`(?s)<TED version="1.0">.*?</TED>`)

// The PDF417 stamp of a finalized CL33 scans from paper: the PDF rendered
// by pdftoppm at 200 and 300 dpi reads back, with ZXing C++, to the exact
// TED bytes of the DTE file (accents in the item name included).
// STAMP_PAGES=dir keeps the 200-dpi page as PNG.
func TestCL33StampScans(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		dec := scantest.NewDecoder(t)
		c := e.Workspace("CL").Test()
		clBiller(t, c, false)
		cus := custNew(c, custExample())
		inv := apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-02",
			"lines": []any{docLine("Instalación cañería ñandú", 2, 45000, "description", "Revisión técnica")}}), "id")
		fin := c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		ted := tedElement.Find(fetchFile(t, apitest.Str(fin, "local_file")))
		if ted == nil || !bytes.Contains(ted, []byte("Instalaci\xf3n ca\xf1er\xeda")) {
			t.Fatalf("DTE file: TED %q lacks the ISO-8859-1 item name", ted)
		}
		pdf := c.Do("GET", "/invoices/"+inv+"/pdf/", nil, "Accept", "application/pdf").Body
		for _, dpi := range []int{200, 300} {
			keep := ""
			if dir := os.Getenv("STAMP_PAGES"); dir != "" && dpi == 200 {
				keep = fmt.Sprintf("%s/cl33-%s", dir, e.DB.Dialect.Name())
			}
			pages := scantest.Rasterize(t, pdf, dpi, keep)
			got := dec.DecodePGM(t, pages[len(pages)-1])
			if len(got) != 1 || !bytes.Equal(got[0], ted) {
				t.Errorf("%d dpi: read %d symbols; want the %d TED bytes", dpi, len(got), len(ted))
			}
		}
	})
}
