package clsii

import (
	"encoding/json"
	"testing"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
)

func typ(t *testing.T, id string) catalog.DocumentType {
	dt, ok := catalog.DocumentTypeByID(id)
	if !ok {
		t.Fatalf("no type %s", id)
	}
	return dt
}

// The receiver rules of docs/tax-agency.md#5-finalize-for-chilean-documents, as the engine asks them at
// finalize: a RUT (a boleta may go to an anonymous receiver), then giro
// and commune with an address; a factura de compra checks its supplier.
func TestReceiverRules(t *testing.T) {
	b := &Biller{}
	full := biller.Party{Name: "Andes SpA", TaxID: "76086428-5", Address: "Apoquindo 4501",
		TaxSettings: map[string]any{"cl_activity_description": "Venta", "cl_commune": "Las Condes"}}
	cases := []struct {
		name     string
		typ      string
		p        biller.Party
		supplier bool
		want     string
	}{
		{"complete", "CL33", full, false, ""},
		{"bad RUT", "CL33", biller.Party{TaxID: "76086428-4"}, false, "The customer needs a valid RUT for document type CL33."},
		{"anonymous boleta", "CL39", biller.Party{}, false, ""},
		{"boleta with a bad RUT", "CL39", biller.Party{TaxID: "1-1"}, false, "The customer needs a valid RUT for document type CL39."},
		{"no giro", "CL33", biller.Party{TaxID: full.TaxID, Address: "x"}, false, "The customer needs tax_settings.cl_activity_description for document type CL33."},
		{"no address", "CL33", biller.Party{TaxID: full.TaxID, TaxSettings: full.TaxSettings}, false,
			"The customer needs address and tax_settings.cl_commune for document type CL33."},
		{"supplier of a CL46", "CL46", biller.Party{TaxID: full.TaxID}, true, "The supplier needs an address for document type CL46."},
		{"supplier of another type", "CL33", biller.Party{}, true, ""},
	}
	for _, c := range cases {
		if got := b.Receiver(typ(t, c.typ), c.p, c.supplier); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCarrierIsANormalisedRUT(t *testing.T) {
	b := &Biller{}
	fe := &apperr.Fields{}
	id, name := "76.086.428-5", "Transportes Sur"
	got := b.Carrier(fe, true, &id, nil, &name)
	if !fe.OK() || got == nil || *got != "76086428-5" {
		t.Errorf("carrier id = %v, errors %v", got, fe.Map())
	}
	fe = &apperr.Fields{}
	b.Carrier(fe, true, &id, nil, nil)
	if !fe.Has("carrier_name") {
		t.Error("a carrier id without a name is accepted")
	}
}

func TestNoteDefaults(t *testing.T) {
	b := &Biller{}
	for _, c := range []struct {
		given          map[string]any
		creating, full bool
		want           string
	}{
		{map[string]any{}, true, true, `{"cl_reference_code":1}`},
		{map[string]any{}, true, false, `{"cl_reference_code":3}`},
		{map[string]any{"cl_reference_code": 2}, true, true, `{"cl_reference_code":2}`},
		{map[string]any{}, false, false, `{}`},
	} {
		b.NoteDefaults(c.given, c.creating, c.full)
		if got, _ := json.Marshal(c.given); string(got) != c.want {
			t.Errorf("creating %v full %v: %s, want %s", c.creating, c.full, got, c.want)
		}
	}
}
