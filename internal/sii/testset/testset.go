// Package testset reads the SII's certification test set (the "set de
// pruebas" text file the SII hands out when a company applies to issue
// electronic documents): its cases, each a document to issue with its
// items, discounts and the case it references.
package testset

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Set is one test set file.
type Set struct {
	Attention string // the SII's "número de atención"
	Cases     []Case
}

// Case is one document of the set.
type Case struct {
	ID           string // "4123456-1"
	Type         int    // SII document type; 0 when the name is unknown
	DocumentName string
	Items        []Item
	// GlobalDiscountPct applies to the taxable items.
	GlobalDiscountPct *decimal.Decimal
	RefCase           string // the case this one references
	Reason            string // RAZON REFERENCIA
	Motive            string // MOTIVO of a guía de despacho
	TransportBy       string // TRASLADO POR of a guía de despacho
}

// Item is one line of a case.
type Item struct {
	Name        string
	Quantity    decimal.Decimal
	Price       *decimal.Decimal // nil: take it from the referenced document
	DiscountPct *decimal.Decimal
	Exempt      bool
	Unit        string
}

// documentTypes by the names the sets use (accents already removed).
var documentTypes = []struct {
	name string
	td   int
}{
	{"FACTURA NO AFECTA O EXENTA ELECTRONICA", 34}, {"FACTURA EXENTA ELECTRONICA", 34}, {"FACTURA DE COMPRA ELECTRONICA", 46}, {"FACTURA DE COMPRA", 46},
	{"FACTURA ELECTRONICA", 33}, {"NOTA DE CREDITO ELECTRONICA", 61}, {"NOTA DE DEBITO ELECTRONICA", 56},
	{"GUIA DE DESPACHO ELECTRONICA", 52}, {"GUIA DE DESPACHO", 52}, {"BOLETA ELECTRONICA EXENTA", 41}, {"BOLETA ELECTRONICA", 39},
}

var (
	caseRe    = regexp.MustCompile(`^CASO\s+([0-9]+-[0-9]+)`)
	refCaseRe = regexp.MustCompile(`CASO\s+([0-9]+-[0-9]+)`)
	attRe     = regexp.MustCompile(`N[UÚ]MERO DE ATENCI[OÓ]N:?\s*([0-9]+)`)
	globalRe  = regexp.MustCompile(`^DESCUENTO GLOBAL.*?([0-9]+(?:[.,][0-9]+)?)\s*%`)
	tabsRe    = regexp.MustCompile(`\t+| {2,}`)
	// setRe is a set's title; a set of guías or facturas de compra gives
	// its cases' type when they have no DOCUMENTO line.
	setRe = regexp.MustCompile(`^SET\s+(.*?)(?:\s+-\s+|$)`)
)

// fold upper-cases and removes Spanish accents so names compare.
func fold(s string) string {
	r := strings.NewReplacer("Á", "A", "É", "E", "Í", "I", "Ó", "O", "Ú", "U", "Ü", "U")
	return r.Replace(strings.ToUpper(strings.TrimSpace(s)))
}

// latin1 turns ISO-8859-1 input (the SII's files) into UTF-8.
func latin1(data []byte) []byte {
	if utf8.Valid(data) {
		return data
	}
	out := make([]byte, 0, len(data)+len(data)/8)
	for _, c := range data {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

func num(s string) (decimal.Decimal, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	return decimal.NewFromString(strings.ReplaceAll(strings.TrimSpace(s), ",", "."))
}

// Parse reads a test set.
func Parse(data []byte) (*Set, error) {
	set := &Set{}
	var cur *Case
	var cols []string // the ITEM table's columns, nil outside a table
	setType := 0      // the document type the current set's title names
	sc := bufio.NewScanner(bytes.NewReader(latin1(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := strings.TrimRight(sc.Text(), "\r ")
		text := fold(raw)
		if m := attRe.FindStringSubmatch(text); m != nil && set.Attention == "" {
			set.Attention = m[1]
		}
		if m := setRe.FindStringSubmatch(text); m != nil && cols == nil {
			setType, cur, cols = typeOf(m[1]), nil, nil
			continue
		}
		if m := caseRe.FindStringSubmatch(text); m != nil {
			set.Cases = append(set.Cases, Case{ID: m[1], Type: setType})
			cur, cols = &set.Cases[len(set.Cases)-1], nil
			continue
		}
		if cur == nil || strings.Trim(text, "=-_ ") == "" {
			cols = nil
			continue
		}
		fields := tabsRe.Split(strings.TrimSpace(raw), -1)
		key := fold(fields[0])
		if k, v, ok := labelled(raw); ok {
			switch k {
			case "MOTIVO":
				cur.Motive = v
				continue
			case "TRASLADO POR":
				cur.TransportBy = v
				continue
			}
		}
		switch {
		case key == "DOCUMENTO" && len(fields) > 1:
			cur.DocumentName = strings.TrimSpace(strings.Join(fields[1:], " "))
			cur.Type = typeOf(fold(cur.DocumentName))
		case key == "REFERENCIA" && len(fields) > 1:
			if m := refCaseRe.FindStringSubmatch(fold(strings.Join(fields[1:], " "))); m != nil {
				cur.RefCase = m[1]
			}
		case key == "RAZON REFERENCIA" && len(fields) > 1:
			cur.Reason = strings.TrimSpace(strings.Join(fields[1:], " "))
		case key == "ITEM":
			cols = nil
			for _, f := range fields {
				cols = append(cols, fold(f))
			}
		case globalRe.MatchString(text):
			v, err := num(globalRe.FindStringSubmatch(text)[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: global discount: %v", line, err)
			}
			cur.GlobalDiscountPct = &v
		case cols != nil:
			it, err := item(cols, fields)
			if err != nil {
				return nil, fmt.Errorf("line %d (case %s): %v", line, cur.ID, err)
			}
			cur.Items = append(cur.Items, it)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(set.Cases) == 0 {
		return nil, fmt.Errorf("no CASO found: is this the SII's test set file?")
	}
	return set, nil
}

// labelled splits a "LABEL: value" line (the guías' MOTIVO and TRASLADO
// POR), the colon optional when a tab or several spaces follow the label.
func labelled(raw string) (key, value string, ok bool) {
	raw = strings.TrimSpace(raw)
	if k, v, found := strings.Cut(raw, ":"); found {
		return fold(k), strings.TrimSpace(v), true
	}
	if f := tabsRe.Split(raw, 2); len(f) == 2 {
		return fold(f[0]), strings.TrimSpace(f[1]), true
	}
	return "", "", false
}

func typeOf(name string) int {
	for _, d := range documentTypes {
		if strings.HasPrefix(name, d.name) {
			return d.td
		}
	}
	return 0
}

// item reads one row of an ITEM table with the columns cols.
func item(cols, fields []string) (Item, error) {
	it := Item{Quantity: decimal.NewFromInt(1)}
	for i, f := range fields {
		if i >= len(cols) {
			break
		}
		f = strings.TrimSpace(f)
		switch c := cols[i]; {
		case c == "ITEM":
			it.Name = f
			it.Exempt = strings.Contains(fold(f), "EXENTO")
		case c == "CANTIDAD":
			v, err := num(f)
			if err != nil {
				return it, fmt.Errorf("quantity %q", f)
			}
			it.Quantity = v
		case strings.HasPrefix(c, "PRECIO") || strings.HasPrefix(c, "VALOR"):
			v, err := num(f)
			if err != nil {
				return it, fmt.Errorf("price %q", f)
			}
			it.Price = &v
		case strings.HasPrefix(c, "DESCUENTO"):
			v, err := num(f)
			if err != nil {
				return it, fmt.Errorf("discount %q", f)
			}
			it.DiscountPct = &v
		case strings.HasPrefix(c, "UNIDAD"):
			it.Unit = f
		}
	}
	if it.Name == "" {
		return it, fmt.Errorf("an item without a name")
	}
	return it, nil
}

// ReferenceCode is the SII's CodRef of a note: 1 annuls the referenced
// document, 2 corrects text only, 3 corrects amounts.
func (c Case) ReferenceCode() int {
	r := fold(c.Reason)
	switch {
	case strings.HasPrefix(r, "ANULA"):
		return 1
	case strings.Contains(r, "GIRO") || strings.Contains(r, "TEXTO") || strings.Contains(r, "DIRECCION") || strings.Contains(r, "RAZON SOCIAL"):
		return 2
	}
	return 3
}

// ShippingType is the SII's IndTraslado of a guía de despacho for its
// MOTIVO: 1 sale, 2 sale to be made, 3 consignment, 4 free delivery,
// 5 internal transfer, 6 other transfer that is not a sale, 7 return,
// 8 transfer for export, 9 sale for export; 0 when the motive is unknown.
// A case without a MOTIVO is a sale.
func (c Case) ShippingType() int {
	m := fold(c.Motive)
	switch {
	case m == "":
		return 1
	case strings.Contains(m, "EXPORTACION"):
		if strings.HasPrefix(m, "VENTA") {
			return 9
		}
		return 8
	case strings.HasPrefix(m, "VENTA POR EFECTUAR"):
		return 2
	case strings.HasPrefix(m, "VENTA"):
		return 1
	case strings.Contains(m, "CONSIGNACION"):
		return 3
	case strings.Contains(m, "GRATUITA"):
		return 4
	case strings.Contains(m, "DEVOLUCION"):
		return 7
	case strings.Contains(m, "BODEGA") || strings.Contains(m, "INTERNO") || strings.Contains(m, "MISMA EMPRESA") ||
		strings.Contains(m, "DE LA EMPRESA"):
		return 5
	case strings.Contains(m, "TRASLADO"):
		return 6
	}
	return 0
}

// DispatchType is the SII's TipoDespacho for TRASLADO POR: 1 the
// receiver (the customer) carries the goods, 2 the issuer carries them
// to the customer's premises, 3 the issuer carries them elsewhere; 0
// when the case does not say.
func (c Case) DispatchType() int {
	t := fold(c.TransportBy)
	switch {
	case t == "":
		return 0
	case strings.HasPrefix(t, "EMISOR") && strings.Contains(t, "CLIENTE"):
		return 2
	case strings.HasPrefix(t, "EMISOR"):
		return 3
	case strings.HasPrefix(t, "CLIENTE") || strings.HasPrefix(t, "RECEPTOR") || strings.HasPrefix(t, "COMPRADOR"):
		return 1
	}
	return 0
}
