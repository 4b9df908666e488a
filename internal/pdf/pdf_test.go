package pdf

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var (
	update  = flag.Bool("update", false, "rewrite testdata/invoice.pdf")
	preview = flag.String("preview", "", "directory where TestPreview writes sample PDFs")
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// stampPNG is a deterministic stand-in for the Chilean PDF417 stamp.
func stampPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 330, 110))
	for y := range 110 {
		for x := range 330 {
			c := uint8(255)
			if y >= 5 && y < 105 && x >= 5 && x < 325 && ((x/3)*7+(y/6)*3)%5 < 2 {
				c = 0
			}
			img.SetGray(x, y, color.Gray{Y: c})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// facturaCLP is a Chilean factura: accents, 5 lines (one exempt, one with
// a discount), 3 totals rows, a reference, a note and the stamp.
func facturaCLP(t testing.TB) Document {
	return Document{
		Lang:   "es",
		Title:  "Factura electrónica",
		Number: "1043",
		Issuer: Party{
			Name: "Comercializadora Ñandú Limitada", TaxIDLabel: "RUT", TaxID: "76.543.210-K",
			Address: "Avenida Libertador Bernardo O'Higgins 1449, oficina 802", City: "Santiago",
			Country: "Chile", Email: "facturación@ñandú.cl", Phone: "+56 2 2345 6789",
			Extra: []string{"Giro: Venta de equipos electrónicos y servicios de instalación"},
		},
		Receiver: Party{
			Name: "Inversiones Peñalolén SpA", TaxIDLabel: "RUT", TaxID: "77.123.456-7",
			Address: "Camino El Alba 9500", City: "Las Condes", State: "Región Metropolitana",
			Email: "pagos@penalolen.cl",
			Extra: []string{"Giro: Asesorías en tecnología"},
		},
		Fields: []KV{
			{"Fecha de emisión", "02-06-2025"},
			{"Vencimiento", "02-07-2025"},
			{"Forma de pago", "Crédito"},
		},
		Currency: "CLP",
		Rounded:  true,
		Lines: []Line{
			{Name: "Notebook Lenovo ThinkPad E14", Description: "Procesador Intel Core i5, 16 GB RAM, 512 GB SSD, garantía de 12 meses en servicio técnico autorizado.",
				Code: "NB-E14-G5", Quantity: dec("2"), UnitPrice: dec("549990"), Total: dec("1099980")},
			{Name: "Mouse inalámbrico", Code: "MS-220", Quantity: dec("4"), UnitPrice: dec("12990"), Discount: "10%", Total: dec("46764")},
			{Name: "Instalación y configuración en terreno", Description: "Visita técnica, migración de datos y capacitación básica (2 horas).",
				Quantity: dec("1"), UnitPrice: dec("85000"), Total: dec("85000"), Exempt: true},
			{Name: "Cable HDMI 2 m", Code: "HD-2M", Quantity: dec("2.5"), UnitPrice: dec("3990"), Discount: "$ 1.000", Total: dec("8975")},
			{Name: "Soporte técnico mensual — junio", Quantity: dec("1"), UnitPrice: dec("45000.5"), Total: dec("45001")},
		},
		Totals: []Total{
			{Label: "Monto neto", Value: dec("1200720")},
			{Label: "Monto exento", Value: dec("85000")},
			{Label: "IVA (19%)", Value: dec("228137")},
			{Label: "Total", Value: dec("1513857"), Bold: true},
		},
		Notes:        []string{"Pago mediante transferencia a la cuenta corriente N° 123-45678-90 del Banco de Chile. Favor indicar el número de factura en la glosa."},
		References:   []KV{{"Orden de compra 801", "N° 4500 · 2025-05-30"}},
		Stamp:        &Barcode{PNG: stampPNG(t), Width: 62, Height: 62 * 110 / 330.0},
		StampCaption: "Timbre Electrónico SII\nRes. 80 de 2014 — Verifique documento: www.sii.cl",
		Created:      time.Date(2025, 6, 2, 12, 0, 0, 0, time.FixedZone("CLT", -4*3600)),
	}
}

// draftUSD is an English USD draft invoice without a number.
func draftUSD() Document {
	return Document{
		Lang:  "en",
		Title: "Invoice",
		Draft: true,
		Issuer: Party{
			Name: "Cobro Billing Inc.", TaxIDLabel: "EIN", TaxID: "12-3456789",
			Address: "500 Market Street, Suite 300", City: "San Francisco", State: "CA", Country: "United States",
			Email: "billing@cobro.example",
		},
		Receiver: Party{
			Name: "Acme Nation LLC", Address: "17st, National Sub", State: "IL", Country: "US",
			Email: "billing@stark.com",
		},
		Fields:   []KV{{"Date", "2025-06-02"}, {"Due date", "2025-07-02"}},
		Currency: "USD",
		Lines: []Line{
			{Name: "Widget", Quantity: dec("3"), UnitPrice: dec("19.99"), Discount: "10%", Total: dec("53.97")},
			{Name: "Installation", Quantity: dec("1"), UnitPrice: dec("100"), Total: dec("100"), Exempt: true},
		},
		Totals: []Total{
			{Label: "Subtotal", Value: dec("143.97")},
			{Label: "Discount", Value: dec("-10")},
			{Label: "Tax (8.25%)", Value: dec("3.63")},
			{Label: "Total", Value: dec("147.60"), Bold: true},
		},
		Notes:   []string{"Thank you for your business."},
		Created: time.Date(2025, 6, 2, 16, 0, 0, 0, time.UTC),
	}
}

// longDoc has n lines with wrapping names and descriptions.
func longDoc(n int) Document {
	d := draftUSD()
	d.Draft = false
	d.Number = "2001"
	d.Lines = nil
	for i := range n {
		d.Lines = append(d.Lines, Line{
			Name:        fmt.Sprintf("Consulting hours, item %d — a long product name that needs to wrap within the column", i+1),
			Description: strings.Repeat("Detailed description of the work performed. ", 1+i%3),
			Code:        fmt.Sprintf("SKU-%04d", i+1),
			Quantity:    dec("1.5"), UnitPrice: dec("120"), Total: dec("180"),
		})
	}
	return d
}

// stressDoc is a Spanish draft without number with extreme content: long
// names, huge amounts, a row taller than a page, notes that overflow onto
// another page, and the stamp.
func stressDoc(t testing.TB) Document {
	d := facturaCLP(t)
	d.Draft = true
	d.Number = ""
	d.Title = "Factura no afecta o exenta electrónica"
	d.Issuer.Name = "Sociedad Comercializadora e Importadora de Productos Tecnológicos del Pacífico Sur Limitada"
	d.Receiver.Name = "Corporación Municipal de Desarrollo Social de la Ilustre Municipalidad de Peñalolén"
	d.Fields = append(d.Fields, KV{"Período facturado", "01-05-2025 al 31-05-2025, servicios recurrentes del mes"})
	d.Lines = append(d.Lines,
		Line{Name: "Servicio con un código larguísimo", Code: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
			Quantity: dec("123456789012.123456"), UnitPrice: dec("999999999999999"), Discount: "$ 999.999.999",
			Total: dec("999999999999999")},
		Line{Name: "Fila más alta que una página", Description: strings.Repeat("Línea de detalle\n", 90),
			Quantity: dec("1"), UnitPrice: dec("1"), Total: dec("1")},
	)
	d.Totals = append(d.Totals, Total{Label: "Un total con una etiqueta muy larga que no cabe", Value: dec("999999999999999")})
	for i := range 12 {
		d.Notes = append(d.Notes, fmt.Sprintf("Nota %d: %s", i+1, strings.Repeat("texto de la observación ", 20)))
	}
	return d
}

func mustRender(t testing.TB, d Document) []byte {
	t.Helper()
	b, err := Render(d)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("output does not start with %%PDF-")
	}
	return b
}

func TestDeterministic(t *testing.T) {
	for name, d := range map[string]Document{"factura": facturaCLP(t), "draft": draftUSD(), "long": longDoc(70), "stress": stressDoc(t)} {
		t.Run(name, func(t *testing.T) {
			a, b := mustRender(t, d), mustRender(t, d)
			if !bytes.Equal(a, b) {
				t.Fatal("two renders of the same document differ")
			}
		})
	}
}

func TestZeroCreatedIsDeterministic(t *testing.T) {
	d := draftUSD()
	d.Created = time.Time{}
	a := mustRender(t, d)
	time.Sleep(1100 * time.Millisecond) // a time.Now() date would change
	if !bytes.Equal(a, mustRender(t, d)) {
		t.Fatal("zero Created: renders differ")
	}
}

func TestGolden(t *testing.T) {
	got := mustRender(t, facturaCLP(t))
	path := filepath.Join("testdata", "invoice.pdf")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/pdf -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output differs from %s (%d vs %d bytes); if intended, run go test ./internal/pdf -update", path, len(got), len(want))
	}
}

func TestInvalidStamp(t *testing.T) {
	d := draftUSD()
	d.Stamp = &Barcode{PNG: []byte("not a png"), Width: 50, Height: 20}
	if _, err := Render(d); err == nil {
		t.Fatal("Render accepted an invalid stamp")
	}
}

// pdfText extracts the text of b with pdftotext (content-stream order,
// whitespace runs collapsed to one space, pages separated by "\f"),
// skipping the test when pdftotext is not installed.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils); skipping text extraction")
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-raw", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	for i, p := range pages {
		pages[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(pages, "\f")
}

func assertContains(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("text does not contain %q:\n%s", w, text)
		}
	}
}

func TestTextSpanish(t *testing.T) {
	d := facturaCLP(t)
	d.Draft = true
	text := pdfText(t, mustRender(t, d))
	assertContains(t, text,
		"FACTURA ELECTRÓNICA", "N° 1043", "Inversiones Peñalolén SpA",
		"Notebook Lenovo ThinkPad E14", "Instalación y configuración en terreno", "(exento)",
		"$ 1.513.857", "1.099.980", "2,5", "45.000,5", "BORRADOR",
		"Orden de compra 801", "N° 4500 · 2025-05-30", "Timbre Electrónico SII",
		"Página 1 de 1", "RUT: 76.543.210-K", "RECEPTOR",
	)
}

func TestTextEnglishDraft(t *testing.T) {
	text := pdfText(t, mustRender(t, draftUSD()))
	assertContains(t, text, "INVOICE", "Acme Nation LLC", "Widget", "Installation (exempt)",
		"$147.60", "-$10.00", "DRAFT", "Page 1 of 1", "Due date", "2025-07-02")
	if strings.Contains(text, "No. ") {
		t.Error("a draft without number prints a number")
	}
}

func TestManyLinesPaginate(t *testing.T) {
	b := mustRender(t, longDoc(70))
	text := pdfText(t, b)
	assertContains(t, text, "Page 2 of", "item 1 ", "item 70 ", "$147.60")
	// The table header is repeated on every page.
	pages := strings.Split(text, "\f")
	n := 0
	for _, p := range pages {
		if strings.TrimSpace(p) == "" {
			continue
		}
		n++
		if !strings.Contains(p, "Unit price") {
			t.Errorf("page %d has no table header", n)
		}
	}
	if n < 3 {
		t.Errorf("70 lines gave %d pages, want several", n)
	}
	assertContains(t, text, fmt.Sprintf("Page %d of %d", n, n))
}

func TestFormatMoney(t *testing.T) {
	cases := []struct {
		v, cur  string
		rounded bool
		lang    string
		want    string
	}{
		{"63719", "CLP", true, "es", "$ 63.719"},
		{"63719.5", "CLP", true, "es", "$ 63.720"},
		{"1513857", "CLP", true, "es", "$ 1.513.857"},
		{"63719", "CLP", true, "en", "CLP 63,719"},
		{"147.6", "USD", false, "en", "$147.60"},
		{"1234.5", "USD", false, "en", "$1,234.50"},
		{"1234.5", "USD", false, "es", "US$ 1.234,50"},
		{"-10", "USD", false, "en", "-$10.00"},
		{"-5000", "CLP", true, "es", "-$ 5.000"},
		{"99.9", "EUR", false, "en", "€99.90"},
		{"1234.5", "MXN", false, "en", "MXN 1,234.50"},
		{"1234.5", "PEN", false, "es", "S/ 1.234,50"},
		{"1234.5", "BRL", false, "es", "BRL 1.234,50"},
		{"0", "CLP", true, "es", "$ 0"},
		{"999.999", "USD", false, "en", "$1,000.00"},
		{"123456789012345.67", "USD", false, "en", "$123,456,789,012,345.67"},
	}
	for _, c := range cases {
		if got := FormatMoney(dec(c.v), c.cur, c.rounded, c.lang); got != c.want {
			t.Errorf("FormatMoney(%s, %s, %v, %s) = %q; want %q", c.v, c.cur, c.rounded, c.lang, got, c.want)
		}
	}
}

func TestNumberFormats(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{formatQuantity(dec("4.000"), false), "4"},
		{formatQuantity(dec("2.50"), false), "2.5"},
		{formatQuantity(dec("2.50"), true), "2,5"},
		{formatQuantity(dec("1500"), true), "1.500"},
		{formatQuantity(dec("0.000125"), false), "0.000125"},
		{formatUnitPrice(dec("549990"), true, true), "549.990"},
		{formatUnitPrice(dec("1234.5"), true, true), "1.234,5"},
		{formatUnitPrice(dec("19.9"), false, false), "19.90"},
		{formatUnitPrice(dec("0.125"), false, false), "0.125"},
		{formatAmount(dec("1099980"), true, true), "1.099.980"},
		{formatAmount(dec("53.97"), false, false), "53.97"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestPreview writes sample PDFs for eyeballing:
//
//	go test ./internal/pdf -run TestPreview -preview /tmp/pdfpreview
func TestPreview(t *testing.T) {
	if *preview == "" {
		t.Skip("set -preview DIR to write sample PDFs")
	}
	if err := os.MkdirAll(*preview, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]Document{
		"factura-clp": facturaCLP(t), "draft-usd": draftUSD(), "long-70": longDoc(70), "stress": stressDoc(t),
	} {
		if err := os.WriteFile(filepath.Join(*preview, name+".pdf"), mustRender(t, d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkRenderOnePage(b *testing.B) {
	d := draftUSD()
	d.Draft = false
	d.Number = "1043"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(d); err != nil {
			b.Fatal(err)
		}
	}
}
