package clsii

import (
	"strconv"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/cobrobilling/cobro/internal/taxid"
)

// SettingsPatch is the command that updates the issuer settings
// (docs/tax-agency.md#21-settings-object);
// a nil or unset field is not given. The HTTP edge decodes bodies into it
// (internal/api/decode); the SII's rules on the values are here.
type SettingsPatch struct {
	RUT                                      *string
	BusinessName, ActivityDescription        opt.Nullable[string]
	Address, Commune, City, SIIOffice, Email opt.Nullable[string]
	// ActivityCodes, when given: each code, nil where the value was not an
	// integer.
	ActivityCodes    []*int64
	ActivityCodesSet bool
	BranchCode       opt.Nullable[int64]
	ResolutionNumber *int64
	ResolutionDate   *string
	Environment      *string
	CAFLowPercent    *int64
	// Errs are the fields the edge could not decode.
	Errs *apperr.Fields
}

// ApplySettings checks p and applies it onto st: a valid RUT (stored
// normalised), one to four economic activity codes of at most six digits,
// a branch code of at most nine.
func ApplySettings(st *Stored, p *SettingsPatch) error {
	fe := &apperr.Fields{}
	if p.Errs != nil {
		fe = p.Errs.Clone()
	}
	if p.RUT != nil {
		if n, err := taxid.Normalize("CL", *p.RUT); err != nil {
			fe.Add("rut", err.Error())
		} else {
			st.RUT = &n
		}
	}
	for _, f := range []struct {
		v   opt.Nullable[string]
		dst **string
	}{{p.BusinessName, &st.BusinessName}, {p.ActivityDescription, &st.ActivityDescription}, {p.Address, &st.Address},
		{p.Commune, &st.Commune}, {p.City, &st.City}, {p.SIIOffice, &st.SIIOffice}, {p.Email, &st.Email}} {
		f.v.Apply(f.dst)
	}
	if p.ActivityCodesSet {
		applyActivityCodes(fe, st, p.ActivityCodes)
	}
	if p.BranchCode.Set {
		if v := p.BranchCode.Value; v != nil && (*v < 0 || digits(*v) > 9) {
			fe.Add("branch_code", "Ensure this value has no more than 9 digits.")
		} else {
			st.BranchCode = v
		}
	}
	if v := p.ResolutionNumber; v != nil {
		if *v < 0 {
			fe.Add("resolution_number", "Ensure this value is greater than or equal to 0.")
		} else {
			st.ResolutionNumber = v
		}
	}
	if p.ResolutionDate != nil {
		st.ResolutionDate = p.ResolutionDate
	}
	if p.Environment != nil && *p.Environment != "" {
		st.Environment = *p.Environment
	}
	if v := p.CAFLowPercent; v != nil {
		if *v < 0 || *v > 100 {
			fe.Add("caf_low_percent", "Ensure this value is between 0 and 100.")
		} else {
			st.CAFLowPercent = v
		}
	}
	return fe.Err()
}

func applyActivityCodes(fe *apperr.Fields, st *Stored, items []*int64) {
	if len(items) < 1 || len(items) > 4 {
		fe.Add("activity_codes", "Give between 1 and 4 codes.")
		return
	}
	nested := map[string]any{}
	var codes []int64
	for i, n := range items {
		switch {
		case n == nil:
			nested[strconv.Itoa(i)] = []string{apperr.MsgInteger}
			codes = append(codes, 0)
			continue
		case *n < 1:
			nested[strconv.Itoa(i)] = []string{"Ensure this value is greater than or equal to 1."}
		case digits(*n) > 6:
			nested[strconv.Itoa(i)] = []string{"Ensure this value has no more than 6 digits."}
		}
		codes = append(codes, *n)
	}
	if len(nested) > 0 {
		fe.Nest("activity_codes", nested)
		return
	}
	st.ActivityCodes = codes
}

func digits(n int64) int {
	if n < 0 {
		n = -n
	}
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
