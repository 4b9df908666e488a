package document

import (
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/shopspring/decimal"
)

// Value rules of a Draft: the lengths and formats every caller gets, the
// HTTP edge and in-process callers (subscription runs, payment links)
// alike. The edge refuses a bad value before it reaches the Draft (the
// value is then nil and its error already in Errs), so a field is checked
// here only when it has no error yet.

// Longest text, in characters, of the fields a Draft carries.
const (
	maxLineName        = 80
	maxLineDescription = 1000
	maxCode            = 35
	maxCodeScheme      = 10
	maxUnitLabel       = 4
	maxInternalNote    = 1024
	maxAddress         = 70
	maxState           = 64
	maxCarrierName     = 30
	maxLicencePlate    = 8
	maxRefDocument     = 16
	maxRefSerial       = 18
	maxRefDescription  = 90
)

// checkValues returns dr with the messages of the value rules it breaks
// added to Errs (and to the Errs of its lines); dr itself is not changed.
func checkValues(dr *Draft, k *Kind) *Draft {
	out := *dr
	fe := dr.errs()
	textMax(fe, "note", out.Note.Value, k.NoteMax)
	textMax(fe, "internal_note", out.InternalNote.Value, maxInternalNote)
	textMax(fe, "address", out.Address.Value, maxAddress)
	textMax(fe, "state", out.State.Value, maxState)
	textMax(fe, "carrier_name", out.CarrierName.Value, maxCarrierName)
	textMax(fe, "licence_plate", out.LicencePlate.Value, maxLicencePlate)
	if v := out.CustomChange.Value; v != nil && v.LessThan(decimal.NewFromInt(1)) && !fe.Has("custom_change") {
		fe.Add("custom_change", "Ensure this value is greater than or equal to 1.")
	}
	if out.References != nil && !fe.Has("references") {
		checkReferences(fe, *out.References)
	}
	if out.Lines != nil {
		out.Lines = make([]LineDraft, len(dr.Lines))
		for i, ld := range dr.Lines {
			out.Lines[i] = checkLineValues(ld)
		}
	}
	if !fe.OK() {
		out.Errs = fe
	}
	return &out
}

// checkLineValues applies the value rules of one line.
func checkLineValues(ld LineDraft) LineDraft {
	fe := &apperr.Fields{}
	if ld.Errs != nil {
		fe = ld.Errs.Clone()
	}
	if ld.Name == nil && !fe.Has("name") && !fe.Has("non_field_errors") {
		fe.Add("name", apperr.MsgRequired)
	}
	textMax(fe, "name", ld.Name, maxLineName)
	textMax(fe, "description", ld.Description, maxLineDescription)
	textMax(fe, "code", ld.Code, maxCode)
	textMax(fe, "code_scheme", ld.CodeScheme, maxCodeScheme)
	textMax(fe, "unit_label", ld.UnitLabel, maxUnitLabel)
	if !fe.OK() {
		ld.Errs = fe
	}
	return ld
}

// checkReferences applies the value rules of references, nested per item
// as the edge reports them.
func checkReferences(fe *apperr.Fields, refs []Reference) {
	nested := make([]any, len(refs))
	bad := false
	for i, r := range refs {
		re := &apperr.Fields{}
		switch {
		case r.Document == "":
			re.Add("document", apperr.MsgRequired)
		case utf8.RuneCountInString(r.Document) > maxRefDocument:
			re.Add("document", apperr.MsgMaxLen(maxRefDocument))
		case !ValidReferenceDocument(r.Document):
			re.Add("document", apperr.MsgPK(r.Document))
		}
		if r.Serial == "" {
			re.Add("serial", apperr.MsgRequired)
		}
		textMax(re, "serial", &r.Serial, maxRefSerial)
		textMax(re, "description", r.Description, maxRefDescription)
		nested[i] = map[string]any{}
		if !re.OK() {
			nested[i], bad = re.Map(), true
		}
	}
	if bad {
		fe.Nest("references", nested)
	}
}

// textMax records the too-long message of field when v has more than max
// characters (max 0: no limit) and field has no error yet.
func textMax(fe *apperr.Fields, field string, v *string, max int) {
	if v == nil || max <= 0 || fe.Has(field) {
		return
	}
	if utf8.RuneCountInString(*v) > max {
		fe.Add(field, apperr.MsgMaxLen(max))
	}
}
