package pdf

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The stamp is an 8-bit grey PNG (what fpdf embeds), at least 2 × 5 cm
// when printed 62 mm wide. PDF417_DECODER=cmd (a program printing the
// decoded bytes of the PNG given as its argument) also checks the content.
func TestPDF417PNG(t *testing.T) {
	ted := []byte(`<TED version="1.0"><DD><RE>77123456-9</RE><TD>33</TD><F>1</F><FE>2026-06-02</FE><RR>76086428-5</RR>` +
		"<RSR>Comercial Andes SpA</RSR><MNT>176120</MNT><IT1>Cami\xf3n \xf1and\xfa</IT1></DD><FRMT algoritmo=\"SHA1withRSA\">abc</FRMT></TED>")
	out, err := PDF417PNG(ted)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if cm := img.ColorModel(); cm != nil && b.Dy()*100 < b.Dx()*32 {
		t.Errorf("stamp %dx%d: shorter than 2 cm at 62 mm", b.Dx(), b.Dy())
	}
	if dec := os.Getenv("PDF417_DECODER"); dec != "" {
		p := filepath.Join(t.TempDir(), "stamp.png")
		os.WriteFile(p, out, 0o644)
		got, err := exec.Command(dec, p).Output()
		if err != nil || !bytes.Equal(got, ted) {
			t.Fatalf("decoded %q (%v), want %q", got, err, ted)
		}
	}
}
