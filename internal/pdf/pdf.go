// Package pdf renders Cobro's fiscal documents (invoices, credit notes,
// debit notes, orders, purchases, retentions…) as PDF with one shared
// layout (docs/conventions.md#10-pdfs-and-local_file).
//
// The caller maps its document to a Document: every text is already in the
// document language except the fixed labels of the layout ("Page x of y",
// column titles…), which follow Document.Lang ("es" or "en").
//
// Layout (A4 portrait, 15 mm margins, core Helvetica in cp1252 so Spanish
// accents render):
//
//   - header: the issuer block on the left (name, address, contact, extra
//     lines) and, on the right, a box with the issuer tax id, the title in
//     capitals, "N° 123" / "No. 123" and, on drafts, "BORRADOR" / "DRAFT";
//   - the receiver block on the left and the header fields (dates…) on the
//     right;
//   - the lines table (code when any line has one, description with the
//     name in bold and the description smaller below, quantity, unit price,
//     discount when any line has one, total); rows never split across pages
//     unless a single row is taller than a page, and the table header is
//     repeated on every page the table continues on;
//   - the totals box right-aligned (long labels wrap, amounts never do),
//     with references and notes on its left, flowing onto further pages;
//   - the stamp (e.g. the Chilean PDF417) and its caption at the bottom left
//     of the last page;
//   - a footer on every page with the title, number and "Page x of y";
//   - drafts carry a light-grey diagonal "DRAFT" / "BORRADOR" watermark drawn
//     behind the content of every page.
//
// Output is deterministic: the same Document gives byte-identical PDFs
// (fixed creation and modification dates from Document.Created, sorted
// resource catalogs, no random ids).
package pdf

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"
)

// Party is the issuer or the receiver of a document. Empty fields are not
// printed.
type Party struct {
	Name, TaxIDLabel, TaxID, Address, City, State, Country, Email, Phone string
	// Extra lines printed after the others, e.g. "Giro: Venta de equipos".
	Extra []string
}

// Line is one row of the lines table.
type Line struct {
	Name, Description, Code string
	Quantity                decimal.Decimal
	UnitPrice               decimal.Decimal
	Discount                string // preformatted ("10%", "$ 5.000") or ""
	Total                   decimal.Decimal
	Exempt                  bool // adds "(exento)" / "(exempt)" after the name
}

// Total is one row of the totals box; Label is in the document language.
// Bold rows (typically the grand total) are highlighted.
type Total struct {
	Label string
	Value decimal.Decimal
	Bold  bool
}

// KV is a label/value pair (header fields, references).
type KV struct{ Label, Value string }

// Document is everything printed on a PDF.
type Document struct {
	Lang       string // "es" or "en": the fixed labels of the layout
	Title      string // e.g. "Invoice", "Factura electrónica"
	Number     string // "" when none is assigned yet (drafts)
	Draft      bool   // diagonal "DRAFT" / "BORRADOR" watermark
	Issuer     Party
	Receiver   Party
	Fields     []KV // header facts in order, e.g. {"Date", "2025-06-02"}
	Currency   string
	Rounded    bool // currency without decimals (CLP)
	Lines      []Line
	Totals     []Total
	Notes      []string
	References []KV // cited documents, e.g. {"Orden de compra 801", "N° 4500 · 2025-05-30"}
	// Stamp is an optional barcode (the Chilean PDF417 stamp, see
	// PDF417Stamp) printed at its size at the bottom left of the last page
	// above StampCaption (may contain "\n").
	Stamp        *Barcode
	StampCaption string
	// Labels overrides fixed labels of the layout for document kinds that
	// need other words: "recipient" (e.g. "Supplier" on purchases),
	// "quantity", "unit_price", "total" (the lines table columns).
	Labels map[string]string
	// AgencyBox prints the title box the way a tax agency requires: the
	// Chilean SII's red frame and red text (docs/tax-agency.md#11-pdf-with-pdf417-chile), with
	// AgencyOffice ("S.I.I. - SANTIAGO ORIENTE") printed under it.
	AgencyBox    bool
	AgencyOffice string
	// Cedible prints, beside the stamp, the receipt-acknowledgement box
	// (name, RUT, date, place, signature, with the legal text of Ley
	// 19.983) and this legend above it ("CEDIBLE", "CEDIBLE CON SU
	// FACTURA"); "" prints neither (docs/tax-agency.md#11-pdf-with-pdf417-chile, ?cedible=true).
	Cedible string
	// Created is written as the PDF creation and modification date (in
	// UTC); the zero time is written as 1970-01-01 so output stays
	// deterministic.
	Created time.Time
}

// Page geometry, in millimetres.
const (
	pageW    = 210.0
	pageH    = 297.0
	margin   = 15.0
	contentW = pageW - 2*margin
	right    = pageW - margin
	bottom   = pageH - 20 // lowest y of content; the footer lives below
	footerY  = pageH - 13

	titleBoxW = 72.0
	titleBoxX = right - titleBoxW
	gap       = 5.0 // vertical gap between sections
	colGap    = 4.0 // horizontal gap between side-by-side blocks
	padX      = 1.8 // horizontal padding inside table cells
	boxPad    = 3.0 // padding inside the framed blocks

	totalsW = 80.0
	totalsX = right - totalsW
	leftW   = totalsX - margin - 6 // references and notes beside the totals

	ptToMM = 25.4 / 72
)

// Greys (0 black … 255 white).
const (
	greyText   = 95  // secondary text
	greyLabel  = 110 // small captions
	greyRule   = 205 // thin separators and frames
	greyFill   = 238 // table header and highlighted totals
	greyWater  = 228 // draft watermark
	greyFooter = 125
)

type labels struct {
	recipient, code, description, quantity, unitPrice, discount, total,
	references, notes, number, draft, exempt, taxID, phone, pageFmt string
}

var (
	labelsES = labels{
		recipient: "Receptor", code: "Código", description: "Descripción",
		quantity: "Cantidad", unitPrice: "Precio unitario", discount: "Descuento",
		total: "Total", references: "Referencias", notes: "Notas", number: "N° ",
		draft: "BORRADOR", exempt: "(exento)", taxID: "ID fiscal", phone: "Teléfono: ",
		pageFmt: "Página %d de %s",
	}
	labelsEN = labels{
		recipient: "Recipient", code: "Code", description: "Description",
		quantity: "Qty", unitPrice: "Unit price", discount: "Discount",
		total: "Amount", references: "References", notes: "Notes", number: "No. ",
		draft: "DRAFT", exempt: "(exempt)", taxID: "Tax ID", phone: "Phone: ",
		pageFmt: "Page %d of %s",
	}
)

const nbAlias = "{nb}"

// Render lays d out and returns the PDF bytes.
func Render(d Document) ([]byte, error) {
	r := newRenderer(d)
	if err := r.render(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(16 << 10)
	if err := r.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}

type renderer struct {
	pdf *fpdf.Fpdf
	d   Document
	es  bool
	l   labels
	tr  func(string) string // UTF-8 → cp1252
	y   float64             // current vertical position
	// leftEnd is where the references and notes column ended on the
	// current page (the stamp must stay below it).
	leftEnd float64
}

func newRenderer(d Document) *renderer {
	p := fpdf.New("P", "mm", "A4", "")
	r := &renderer{pdf: p, d: d, es: isSpanish(d.Lang), l: labelsEN}
	if r.es {
		r.l = labelsES
	}
	for key, v := range d.Labels {
		switch key {
		case "recipient":
			r.l.recipient = v
		case "quantity":
			r.l.quantity = v
		case "unit_price":
			r.l.unitPrice = v
		case "total":
			r.l.total = v
		}
	}
	r.tr = p.UnicodeTranslatorFromDescriptor("")

	created := d.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	created = created.UTC()
	p.SetCompression(true)
	p.SetCatalogSort(true)
	p.SetCreationDate(created)
	p.SetModificationDate(created)
	p.SetProducer("Cobro", false)
	p.SetTitle(r.docName(), true)
	if r.es {
		p.SetLang("es")
	} else {
		p.SetLang("en")
	}
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(false, 0)
	p.SetCellMargin(0)
	p.SetLineCapStyle("butt")
	p.AliasNbPages(nbAlias)
	p.SetHeaderFuncMode(r.pageBackground, false)
	p.SetFooterFunc(r.footer)
	return r
}

// docName is "Title N° 123" (or just the title without a number).
func (r *renderer) docName() string {
	if r.d.Number == "" {
		return r.d.Title
	}
	return joinNonEmpty(" ", r.d.Title, r.l.number+r.d.Number)
}

func (r *renderer) render() error {
	r.newPage()
	r.header()
	r.parties()
	r.linesTable()
	r.closing()
	r.stamp()
	return r.pdf.Error()
}

// ---------------------------------------------------------------- helpers

func (r *renderer) newPage() {
	r.pdf.AddPage()
	r.y = margin
}

func (r *renderer) font(style string, size float64) { r.pdf.SetFont("Helvetica", style, size) }

func (r *renderer) grey(g int) { r.pdf.SetTextColor(g, g, g) }

// wrap translates s to cp1252 and splits it into lines no wider than w in
// the current font; explicit newlines are kept, "" gives no lines.
func (r *renderer) wrap(s string, w float64) []string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r", ""), "\n ")
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, b := range r.pdf.SplitLines([]byte(r.tr(s)), w) {
		out = append(out, strings.TrimRight(string(b), " "))
	}
	return out
}

// text draws one already translated line in a w×h cell at (x, y).
func (r *renderer) text(x, y, w, h float64, s, align string) {
	r.pdf.SetXY(x, y)
	r.pdf.CellFormat(w, h, s, "", 0, align+"M", false, 0, "")
}

// fitText draws translated s in the w×h cell, shrinking the font when s
// would not fit, so amounts are never cut nor overlap their neighbours.
func (r *renderer) fitText(x, y, w, h float64, s, align string) {
	size, _ := r.pdf.GetFontSize()
	if sw := r.pdf.GetStringWidth(s); sw > w && sw > 0 {
		r.pdf.SetFontSize(size * w / sw)
		defer r.pdf.SetFontSize(size)
	}
	r.text(x, y, w, h, s, align)
}

func (r *renderer) rule(x1, y, x2 float64, g int, width float64) {
	r.pdf.SetDrawColor(g, g, g)
	r.pdf.SetLineWidth(width)
	r.pdf.Line(x1, y, x2, y)
}

func (r *renderer) frame(x, y, w, h float64, g int, width float64) {
	r.pdf.SetDrawColor(g, g, g)
	r.pdf.SetLineWidth(width)
	r.pdf.Rect(x, y, w, h, "D")
}

// ensure starts a new page when h more millimetres do not fit.
func (r *renderer) ensure(h float64) bool {
	if r.y+h <= bottom {
		return false
	}
	r.newPage()
	return true
}

// ---------------------------------------------------------------- page furniture

// pageBackground runs first on every page: the draft watermark, so that
// everything else is painted over it.
func (r *renderer) pageBackground() {
	if !r.d.Draft {
		return
	}
	p := r.pdf
	word := r.tr(r.l.draft)
	angle := math.Atan2(pageH, pageW) * 180 / math.Pi
	diag := math.Hypot(pageW, pageH)
	r.font("B", 100)
	size := min(100*0.6*diag/p.GetStringWidth(word), 120)
	r.font("B", size)
	w := p.GetStringWidth(word)
	cx, cy := pageW/2, pageH/2
	r.grey(greyWater)
	p.TransformBegin()
	p.TransformRotate(angle, cx, cy)
	p.Text(cx-w/2, cy+size*ptToMM*0.35, word)
	p.TransformEnd()
}

func (r *renderer) footer() {
	p := r.pdf
	r.rule(margin, footerY-2, right, greyRule, 0.2)
	r.font("", 7)
	r.grey(greyFooter)
	r.text(margin, footerY, contentW/2, 4, r.tr(r.docName()), "L")
	// The page count is only known at the end, when fpdf replaces the
	// alias; right-align as if the count had as many digits as this page
	// number (exact below 10 pages, about a digit off on pages 1-9 of a
	// longer document).
	page := r.tr(fmt.Sprintf(r.l.pageFmt, p.PageNo(), nbAlias))
	digits := len(strconv.Itoa(p.PageNo()))
	w := p.GetStringWidth(page) - p.GetStringWidth(nbAlias) + float64(digits)*p.GetStringWidth("0")
	r.text(right-w, footerY, w+5, 4, page, "L")
}

// ---------------------------------------------------------------- header

// header draws the issuer block (left) and the title box (right).
func (r *renderer) header() {
	is := r.d.Issuer
	leftW := titleBoxX - margin - 6

	// Title box: tax id, title, number.
	type boxLine struct {
		style string
		size  float64
		lines []string
		grey  int
	}
	innerW := titleBoxW - 2*4.0
	var box []boxLine
	if is.TaxID != "" {
		r.font("B", 10)
		box = append(box, boxLine{"B", 10, r.wrap(r.taxID(is), innerW), 0})
	}
	r.font("B", 12)
	box = append(box, boxLine{"B", 12, r.wrap(strings.ToUpper(r.d.Title), innerW), 0})
	if r.d.Number != "" {
		r.font("B", 12)
		box = append(box, boxLine{"B", 12, r.wrap(r.l.number+r.d.Number, innerW), 0})
	}
	if r.d.Draft {
		// Also said in plain, unrotated text: readers and text extraction
		// see it, not only the eye.
		r.font("B", 10)
		box = append(box, boxLine{"B", 10, r.wrap(r.l.draft, innerW), greyFooter})
	}
	boxH := 2 * 4.0
	for i, b := range box {
		if i > 0 {
			boxH += 1.2
		}
		boxH += float64(len(b.lines)) * b.size * ptToMM * 1.25
	}

	// Issuer block.
	type issuerLine struct {
		style string
		size  float64
		text  string
		grey  int
	}
	var left []issuerLine
	r.font("B", 13)
	for _, s := range r.wrap(is.Name, leftW) {
		left = append(left, issuerLine{"B", 13, s, 0})
	}
	r.font("", 8.5)
	for _, raw := range r.partyDetails(is, false) {
		for _, s := range r.wrap(raw, leftW) {
			left = append(left, issuerLine{"", 8.5, s, greyText})
		}
	}
	y := margin
	for i, ln := range left {
		r.font(ln.style, ln.size)
		r.grey(ln.grey)
		h := ln.size * ptToMM * 1.35
		if i == 1 {
			y += 1 // a little air under the name
		}
		r.text(margin, y, leftW, h, ln.text, "L")
		y += h
	}
	leftEnd := y

	r.pdf.SetDrawColor(40, 40, 40)
	r.pdf.SetLineWidth(0.5)
	if r.d.AgencyBox {
		r.pdf.SetDrawColor(200, 16, 16)
		r.pdf.SetLineWidth(0.8)
	}
	r.pdf.Rect(titleBoxX, margin, titleBoxW, boxH, "D")
	y = margin + 4
	for i, b := range box {
		if i > 0 {
			y += 1.2
		}
		r.font(b.style, b.size)
		r.grey(b.grey)
		if r.d.AgencyBox && b.grey == 0 {
			r.pdf.SetTextColor(200, 16, 16)
		}
		h := b.size * ptToMM * 1.25
		for _, s := range b.lines {
			r.text(titleBoxX+4, y, innerW, h, s, "C")
			y += h
		}
	}
	boxEnd := margin + boxH
	if r.d.AgencyOffice != "" {
		r.font("B", 9)
		r.pdf.SetTextColor(200, 16, 16)
		h := 9 * ptToMM * 1.35
		for _, s := range r.wrap(r.d.AgencyOffice, titleBoxW) {
			r.text(titleBoxX, boxEnd+1.2, titleBoxW, h, s, "C")
			boxEnd += h
		}
		boxEnd += 1.2
	}
	if r.d.AgencyBox {
		r.grey(0)
		r.pdf.SetDrawColor(40, 40, 40)
		r.pdf.SetLineWidth(0.5)
	}
	r.y = max(leftEnd, boxEnd) + gap
}

func (r *renderer) taxID(p Party) string {
	label := p.TaxIDLabel
	if label == "" {
		label = r.l.taxID
	}
	return label + ": " + p.TaxID
}

// partyDetails lists a party's printed lines after its name.
func (r *renderer) partyDetails(p Party, withTaxID bool) []string {
	var out []string
	if withTaxID && p.TaxID != "" {
		out = append(out, r.taxID(p))
	}
	if p.Address != "" {
		out = append(out, p.Address)
	}
	if s := joinNonEmpty(", ", p.City, p.State, p.Country); s != "" {
		out = append(out, s)
	}
	if p.Email != "" {
		out = append(out, p.Email)
	}
	if p.Phone != "" {
		out = append(out, r.l.phone+p.Phone)
	}
	for _, e := range p.Extra {
		if strings.TrimSpace(e) != "" {
			out = append(out, e)
		}
	}
	return out
}

// ---------------------------------------------------------------- receiver and fields

// styledLine is one wrapped, translated line with its font.
type styledLine struct {
	style string
	size  float64
	grey  int
	text  string
	h     float64
}

func (r *renderer) lines(style string, size float64, grey int, s string, w float64) []styledLine {
	r.font(style, size)
	h := size * ptToMM * 1.35
	var out []styledLine
	for _, t := range r.wrap(s, w) {
		out = append(out, styledLine{style, size, grey, t, h})
	}
	return out
}

func (r *renderer) drawLines(x, y, w float64, ls []styledLine, align string) float64 {
	for _, l := range ls {
		r.font(l.style, l.size)
		r.grey(l.grey)
		r.text(x, y, w, l.h, l.text, align)
		y += l.h
	}
	return y
}

func height(ls []styledLine) float64 {
	h := 0.0
	for _, l := range ls {
		h += l.h
	}
	return h
}

// kvRow is one label/value row, wrapped in two columns.
type kvRow struct {
	label, value []styledLine
	h            float64
}

func (r *renderer) kvRows(kvs []KV, w float64) (rows []kvRow, labelW float64) {
	r.font("B", 8)
	for _, kv := range kvs {
		labelW = max(labelW, r.pdf.GetStringWidth(r.tr(kv.Label)))
	}
	labelW = min(labelW+3, w*0.5)
	for _, kv := range kvs {
		row := kvRow{
			label: r.lines("B", 8, greyLabel, kv.Label, labelW-2),
			value: r.lines("", 8, 0, kv.Value, w-labelW),
		}
		row.h = max(height(row.label), height(row.value), 8*ptToMM*1.35)
		rows = append(rows, row)
	}
	return rows, labelW
}

// parties draws the receiver block (left) and the fields box (right).
func (r *renderer) parties() {
	rc := r.d.Receiver
	hasReceiver := rc.Name != "" || len(r.partyDetails(rc, true)) > 0
	hasFields := len(r.d.Fields) > 0
	if !hasReceiver && !hasFields {
		return
	}
	recW := titleBoxX - margin - colGap
	if !hasFields {
		recW = contentW
	}
	fieldsX, fieldsW := titleBoxX, titleBoxW
	if !hasReceiver {
		fieldsX, fieldsW = margin, contentW
	}

	var rec []styledLine
	if hasReceiver {
		iw := recW - 2*boxPad
		rec = append(rec, r.lines("B", 7, greyLabel, strings.ToUpper(r.l.recipient), iw)...)
		name := r.lines("B", 10, 0, rc.Name, iw)
		if len(name) > 0 {
			name[0].h += 0.6
		}
		rec = append(rec, name...)
		for _, s := range r.partyDetails(rc, true) {
			rec = append(rec, r.lines("", 8.5, 0, s, iw)...)
		}
	}
	rows, labelW := r.kvRows(r.d.Fields, fieldsW-2*boxPad)
	fieldsH := 0.0
	for _, row := range rows {
		fieldsH += row.h + 0.6
	}

	h := max(height(rec), fieldsH) + 2*boxPad
	y := r.y
	if hasReceiver {
		r.frame(margin, y, recW, h, greyRule, 0.25)
		r.drawLines(margin+boxPad, y+boxPad, recW-2*boxPad, rec, "L")
	}
	if hasFields {
		r.frame(fieldsX, y, fieldsW, h, greyRule, 0.25)
		fy := y + boxPad
		x := fieldsX + boxPad
		for _, row := range rows {
			r.drawLines(x, fy, labelW, row.label, "L")
			r.drawLines(x+labelW, fy, fieldsW-2*boxPad-labelW, row.value, "L")
			fy += row.h + 0.6
		}
	}
	r.y = y + h + gap
}

// ---------------------------------------------------------------- lines table

type column struct {
	title string
	w     float64
	align string
}

const (
	rowPadTop    = 1.8
	rowPadBottom = 1.6
	nameSize     = 8.5
	descSize     = 7.5
	cellSize     = 8.5
	headSize     = 7.5
	headH        = 7.0
)

// columns returns the table columns; code and discount only appear when a
// line uses them. The description column takes the remaining width.
func (r *renderer) columns() (cols []column, desc int) {
	var hasCode, hasDiscount bool
	for _, ln := range r.d.Lines {
		hasCode = hasCode || strings.TrimSpace(ln.Code) != ""
		hasDiscount = hasDiscount || strings.TrimSpace(ln.Discount) != ""
	}
	if hasCode {
		cols = append(cols, column{r.l.code, 22, "L"})
	}
	desc = len(cols)
	cols = append(cols, column{r.l.description, 0, "L"},
		column{r.l.quantity, 18, "R"}, column{r.l.unitPrice, 27, "R"})
	if hasDiscount {
		cols = append(cols, column{r.l.discount, 20, "R"})
	}
	cols = append(cols, column{r.l.total, 28, "R"})
	used := 0.0
	for _, c := range cols {
		used += c.w
	}
	cols[desc].w = contentW - used
	return cols, desc
}

func (r *renderer) tableHeader(cols []column) {
	p := r.pdf
	p.SetFillColor(greyFill, greyFill, greyFill)
	p.Rect(margin, r.y, contentW, headH, "F")
	r.rule(margin, r.y+headH, right, 150, 0.3)
	r.font("B", headSize)
	r.grey(40)
	x := margin
	for _, c := range cols {
		r.fitText(x+padX, r.y, c.w-2*padX, headH, r.tr(c.title), c.align)
		x += c.w
	}
	r.y += headH
}

func (r *renderer) linesTable() {
	cols, desc := r.columns()
	r.ensure(headH + 12)
	r.tableHeader(cols)
	for _, ln := range r.d.Lines {
		r.lineRow(ln, cols, desc)
	}
}

func (r *renderer) lineRow(ln Line, cols []column, desc int) {
	dw := cols[desc].w - 2*padX
	name := ln.Name
	if ln.Exempt {
		name = joinNonEmpty(" ", name, r.l.exempt)
	}
	var text []styledLine
	text = append(text, r.lines("B", nameSize, 0, name, dw)...)
	text = append(text, r.lines("", descSize, greyText, ln.Description, dw)...)
	var code []styledLine
	if desc > 0 {
		code = r.lines("", descSize+0.5, 0, ln.Code, cols[0].w-2*padX)
	}
	cellH := cellSize * ptToMM * 1.35
	h := rowPadTop + max(height(text), height(code), cellH) + rowPadBottom

	// Keep a row on one page; a row taller than a whole page starts right
	// away and continues on the next ones.
	need := h
	if h > bottom-margin-headH {
		need = rowPadTop + 3*cellH
	}
	if r.ensure(need) {
		r.tableHeader(cols)
	}
	top := r.y

	// Numeric cells, on the first text line.
	values := []string{
		formatQuantity(ln.Quantity, r.es),
		formatUnitPrice(ln.UnitPrice, r.d.Rounded, r.es),
	}
	if len(cols)-desc == 5 {
		values = append(values, ln.Discount)
	}
	values = append(values, formatAmount(ln.Total, r.d.Rounded, r.es))
	x := margin
	for i, c := range cols {
		if i > desc {
			r.font("", cellSize)
			r.grey(0)
			r.fitText(x+padX, top+rowPadTop, c.w-2*padX, cellH, r.tr(values[i-desc-1]), c.align)
		}
		x += c.w
	}
	if desc > 0 {
		r.drawLines(margin+padX, top+rowPadTop, cols[0].w-2*padX, code, "L")
	}

	// Name and description; a row taller than a page continues on the next.
	descX := margin
	for _, c := range cols[:desc] {
		descX += c.w
	}
	y := top + rowPadTop
	broke := false
	for _, l := range text {
		if y+l.h > bottom {
			r.y = y
			r.newPage()
			r.tableHeader(cols)
			y = r.y + rowPadTop
			broke = true
		}
		y = r.drawLines(descX+padX, y, dw, []styledLine{l}, "L")
	}
	r.y = y + rowPadBottom
	if !broke {
		r.y = max(r.y, top+h)
	}
	r.rule(margin, r.y, right, greyRule+15, 0.15)
}

// ---------------------------------------------------------------- totals, references, notes

const (
	totalRowH = 6.2 // height of a one-line totals row
	totalPadX = 2.5
)

// totalRow is one measured row of the totals box.
type totalRow struct {
	label []styledLine
	value string // translated
	style string
	size  float64
	bold  bool
	h     float64
}

// totalRows measures the totals box: the amount keeps its natural width
// (shrunk only when wider than the box allows) and the label wraps in the
// remaining width.
func (r *renderer) totalRows() (rows []totalRow, boxH float64) {
	for _, t := range r.d.Totals {
		row := totalRow{style: "", size: 8.5, bold: t.Bold}
		if t.Bold {
			row.style, row.size = "B", 9.5
		}
		r.font(row.style, row.size)
		row.value = r.tr(FormatMoney(t.Value, r.d.Currency, r.d.Rounded, r.d.Lang))
		valueW := min(r.pdf.GetStringWidth(row.value), totalsW*0.6)
		labelW := totalsW - 2*totalPadX - valueW - 3
		row.label = r.lines(row.style, row.size, 0, t.Label, labelW)
		row.h = max(totalRowH, height(row.label)+2.2)
		rows = append(rows, row)
		boxH += row.h
	}
	return rows, boxH
}

// closing draws the totals box on the right and the references and notes
// on its left.
func (r *renderer) closing() {
	rows, boxH := r.totalRows()
	r.y += gap
	if len(rows) > 0 {
		r.ensure(boxH)
	}
	start := r.y
	startPage := r.pdf.PageNo()
	r.totals(start, rows, boxH)
	totalsEnd := start + boxH

	r.y = start
	r.references()
	r.notes()
	r.leftEnd = r.y
	if r.pdf.PageNo() == startPage {
		r.y = max(r.y, totalsEnd)
	}
}

func (r *renderer) totals(y float64, rows []totalRow, boxH float64) {
	if len(rows) == 0 {
		return
	}
	p := r.pdf
	top := y
	innerW := totalsW - 2*totalPadX
	for i, row := range rows {
		if row.bold {
			p.SetFillColor(greyFill, greyFill, greyFill)
			p.Rect(totalsX, y, totalsW, row.h, "F")
		}
		if i > 0 {
			r.rule(totalsX, y, right, greyRule+15, 0.15)
		}
		r.drawLines(totalsX+totalPadX, y+(row.h-height(row.label))/2, innerW, row.label, "L")
		r.font(row.style, row.size)
		r.grey(0)
		r.fitText(totalsX+totalsW*0.4, y, totalsW*0.6-totalPadX, row.h, row.value, "R")
		y += row.h
	}
	r.frame(totalsX, top, totalsW, boxH, greyRule, 0.25)
}

// sectionTitle draws a small heading for the left column.
func (r *renderer) sectionTitle(s string) {
	r.ensure(5 + 4)
	r.font("B", 8)
	r.grey(40)
	r.text(margin, r.y, leftW, 4.5, r.tr(s), "L")
	r.rule(margin, r.y+4.5, margin+leftW, greyRule, 0.2)
	r.y += 5.5
}

func (r *renderer) references() {
	if len(r.d.References) == 0 {
		return
	}
	r.sectionTitle(r.l.references)
	rows, labelW := r.kvRows(r.d.References, leftW)
	for _, row := range rows {
		r.ensure(row.h)
		r.drawLines(margin, r.y, labelW, row.label, "L")
		r.drawLines(margin+labelW, r.y, leftW-labelW, row.value, "L")
		r.y += row.h + 0.6
	}
	r.y += 3
}

func (r *renderer) notes() {
	var paras [][]styledLine
	for _, n := range r.d.Notes {
		if ls := r.lines("", 8, 30, n, leftW); len(ls) > 0 {
			paras = append(paras, ls)
		}
	}
	if len(paras) == 0 {
		return
	}
	r.sectionTitle(r.l.notes)
	for _, ls := range paras {
		for _, l := range ls {
			r.ensure(l.h)
			r.y = r.drawLines(margin, r.y, leftW, []styledLine{l}, "L")
		}
		r.y += 1.5
	}
	r.y += 1.5
}

// ---------------------------------------------------------------- stamp

// stamp prints the stamp at its printed size (shrunk only if it exceeds
// the stamp area, stampMaxW × stampMaxH) and its caption at the bottom
// left of the last page, starting a new page when the left column reaches
// too low.
func (r *renderer) stamp() {
	if r.d.Stamp == nil {
		return
	}
	p := r.pdf
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	info := p.RegisterImageOptionsReader("stamp", opt, bytes.NewReader(r.d.Stamp.PNG))
	if p.Err() || info == nil || info.Width() <= 0 || info.Height() <= 0 {
		if !p.Err() {
			p.SetErrorf("pdf: invalid stamp image")
		}
		return
	}
	w, h := r.d.Stamp.Width, r.d.Stamp.Height
	if w <= 0 || h <= 0 {
		w, h = stampMaxW, stampMaxW*info.Height()/info.Width()
	}
	if scale := min(1, stampMaxW/w, stampMaxH/h); scale < 1 {
		w, h = w*scale, h*scale
	}
	caption := r.lines("", 7, 40, r.d.StampCaption, w)
	blockH := h + 1.5 + height(caption)
	var receipt func(top float64)
	if r.d.Cedible != "" {
		var rh float64
		receipt, rh = r.receipt()
		blockH = max(blockH, rh)
	}
	top := bottom - blockH
	if r.leftEnd > top-3 || (receipt != nil && r.y > top-3) {
		r.newPage()
	}
	p.ImageOptions("stamp", margin, top, w, h, false, opt, 0, "")
	r.drawLines(margin, top+h+1.5, w, caption, "C")
	if receipt != nil {
		receipt(top)
	}
}

// receiptX is where the receipt-acknowledgement box starts (right of the
// stamp).
const receiptX = margin + stampMaxW + 8

// receipt measures the cedible legend and the receipt-acknowledgement box
// and returns the function that draws them from top.
func (r *renderer) receipt() (func(top float64), float64) {
	w := right - receiptX
	legend := r.lines("B", 10, 0, r.d.Cedible, w)
	title := r.lines("B", 7.5, 0, "ACUSE DE RECIBO", w-2*boxPad)
	law := r.lines("", 6, 60, "El acuse de recibo que se declara en este acto, de acuerdo a lo dispuesto en la letra b) del Art. 4°, "+
		"y la letra c) del Art. 5° de la Ley 19.983, acredita que la entrega de mercaderías o servicio(s) prestado(s) ha(n) sido recibido(s).", w-2*boxPad)
	const fieldH = 5.2
	fields := [][2]string{{"Nombre:", "R.U.T.:"}, {"Fecha:", "Recinto:"}, {"Firma:", ""}}
	boxH := boxPad + height(title) + 1 + float64(len(fields))*fieldH + 1 + height(law) + boxPad
	total := height(legend) + 1 + boxH
	return func(top float64) {
		y := r.drawLines(receiptX, top, w, legend, "R") + 1
		r.pdf.SetDrawColor(40, 40, 40)
		r.pdf.SetLineWidth(0.3)
		r.pdf.Rect(receiptX, y, w, boxH, "D")
		iy := r.drawLines(receiptX+boxPad, y+boxPad, w-2*boxPad, title, "L") + 1
		half := (w - 2*boxPad) / 2
		r.font("", 7.5)
		r.grey(0)
		for _, f := range fields {
			for i, label := range f {
				if label == "" {
					continue
				}
				fx := receiptX + boxPad + float64(i)*half
				r.text(fx, iy, 16, fieldH-1, r.tr(label), "L")
				r.pdf.Line(fx+16, iy+fieldH-1.4, fx+half-3, iy+fieldH-1.4)
			}
			iy += fieldH
		}
		r.drawLines(receiptX+boxPad, iy+1, w-2*boxPad, law, "L")
		r.pdf.SetLineWidth(0.5)
	}, total
}
