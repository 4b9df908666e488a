package taxid

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		country, in string
		want        string
		err         *Error
	}{
		// Chile: worked example and its spellings.
		{"CL", "76086428-5", "76086428-5", nil},
		{"CL", "76.086.428-5", "76086428-5", nil},
		{"CL", "760864285", "76086428-5", nil},
		{"CL", " 76 086 428 - 5 ", "76086428-5", nil},
		{"cl", "076.086.428-5", "76086428-5", nil}, // leading zero dropped, lower-case country
		// Chile: other valid values.
		{"CL", "97975000-5", "97975000-5", nil},
		{"CL", "8414240-9", "8414240-9", nil},
		{"CL", "8.414.240-9", "8414240-9", nil},
		{"CL", "60803000-K", "60803000-K", nil},
		{"CL", "60803000-k", "60803000-K", nil},
		{"CL", "60.803.000k", "60803000-K", nil},
		{"CL", "66666666-6", "66666666-6", nil},
		{"CL", "1-9", "1-9", nil},
		// Chile: errors.
		{"CL", "76086428-4", "", ErrRUTCheck},
		{"CL", "760864284", "", ErrRUTCheck},
		{"CL", "60803000-0", "", ErrRUTCheck},
		{"CL", "97975000-K", "", ErrRUTCheck},
		{"CL", "5", "", ErrRUTFormat},
		{"CL", "-5", "", ErrRUTFormat},
		{"CL", "0-0", "", ErrRUTFormat},
		{"CL", "00000000-0", "", ErrRUTFormat},
		{"CL", "123456789-2", "", ErrRUTFormat}, // 9-digit body
		{"CL", "7608-6428-5", "", ErrRUTFormat},
		{"CL", "7608642-85", "", ErrRUTFormat},
		{"CL", "76086428-", "", ErrRUTFormat},
		{"CL", "76086428-X", "", ErrRUTFormat},
		{"CL", "7608642A-5", "", ErrRUTFormat},
		{"CL", "76,086,428-5", "", ErrRUTFormat},
		{"CL", "   ", "", ErrBlank},

		// Mexico.
		{"MX", "EKU9003173C9", "EKU9003173C9", nil},
		{"MX", "GODE561231GR8", "GODE561231GR8", nil},
		{"MX", "gode-561231-gr8", "GODE561231GR8", nil},
		{"MX", " eku 900317 3c9 ", "EKU9003173C9", nil},
		{"MX", "XAXX010101000", "XAXX010101000", nil},
		{"MX", "xexx010101000", "XEXX010101000", nil},
		{"MX", "ÑAÑ010101AB1", "ÑAÑ010101AB1", nil},
		{"MX", "ñañ010101ab1", "ÑAÑ010101AB1", nil},
		{"MX", "N\u0303AN\u0303010101AB1", "ÑAÑ010101AB1", nil}, // decomposed Ñ
		{"MX", "A&B010101AB1", "A&B010101AB1", nil},
		{"MX", "GODE000229GRA", "GODE000229GRA", nil}, // 2000-02-29
		{"MX", "GODE960229GR8", "GODE960229GR8", nil},
		{"MX", "GODE561231GR9", "GODE561231GR9", nil}, // check digit not enforced
		{"MX", "EKU9003173CA", "EKU9003173CA", nil},
		{"MX", "GODE970229GR8", "", ErrRFCDate},
		{"MX", "GODE561331GR8", "", ErrRFCDate},
		{"MX", "GODE561200GR8", "", ErrRFCDate},
		{"MX", "GODE560431GR8", "", ErrRFCDate},
		{"MX", "EKU0000003C9", "", ErrRFCDate},
		{"MX", "EKU900317", "", ErrRFCFormat},
		{"MX", "GODE561231GR88", "", ErrRFCFormat},
		{"MX", "GOD1561231GR8", "", ErrRFCFormat},
		{"MX", "GODE5612A1GR8", "", ErrRFCFormat},
		{"MX", "GODE561231G.8", "", ErrRFCFormat},
		{"MX", "GODE561231GRB", "", ErrRFCFormat},
		{"MX", "GODÉ561231GR8", "", ErrRFCFormat},

		// Colombia.
		{"CO", "900373115-3", "900373115-3", nil},
		{"CO", "900.373.115-3", "900373115-3", nil},
		{"CO", "900 373 115 - 3", "900373115-3", nil},
		{"CO", "860002964-4", "860002964-4", nil},
		{"CO", "890903938-8", "890903938-8", nil},
		{"CO", "900373115-4", "", ErrNITCheck},
		{"CO", "9003731153", "", ErrNITFormat}, // DV required
		{"CO", "900373115", "", ErrNITFormat},
		{"CO", "12345-6", "", ErrNITFormat},
		{"CO", "1234567890123456-1", "", ErrNITFormat},
		{"CO", "900373115-", "", ErrNITFormat},
		{"CO", "900373115-33", "", ErrNITFormat},
		{"CO", "9003-73115-3", "", ErrNITFormat},
		{"CO", "90037311A-3", "", ErrNITFormat},

		// Peru.
		{"PE", "20100070970", "20100070970", nil},
		{"PE", "20131312955", "20131312955", nil},
		{"PE", "10467793549", "10467793549", nil},
		{"PE", "10-46779354-9", "10467793549", nil},
		{"PE", "201 3131 2955", "20131312955", nil},
		{"PE", "20100070971", "", ErrRUCCheck},
		{"PE", "2010007097", "", ErrRUCFormat},
		{"PE", "201000709700", "", ErrRUCFormat},
		{"PE", "30100070970", "", ErrRUCFormat},
		{"PE", "2010007097A", "", ErrRUCFormat},

		// No algorithm.
		{"US", " 12-3456789 ", "12-3456789", nil},
		{"US", "anything at all", "anything at all", nil},
		{"AR", "20-12345678-0", "20-12345678-0", nil},
		{"", "x", "x", nil},
		{"US", "", "", ErrBlank},
		{"US", " \t\n", "", ErrBlank},
	}
	for _, tc := range tests {
		t.Run(tc.country+"/"+tc.in, func(t *testing.T) {
			got, err := Normalize(tc.country, tc.in)
			if tc.err != nil {
				if err != tc.err || !errors.Is(err, tc.err) {
					t.Fatalf("Normalize(%q, %q) = %q, %v; want error %q", tc.country, tc.in, got, err, tc.err.Msg)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Normalize(%q, %q) = %q, %v; want %q", tc.country, tc.in, got, err, tc.want)
			}
			again, err := Normalize(tc.country, got)
			if err != nil || again != got {
				t.Fatalf("not idempotent: Normalize(%q, %q) = %q, %v", tc.country, got, again, err)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	// The exact user-facing strings of docs/catalogues.md#8-tax-id-validation.
	want := map[*Error]string{
		ErrRUTFormat: "Invalid RUT: expected digits, a hyphen and a check digit (12345678-5).",
		ErrRUTCheck:  "Invalid RUT: the check digit does not match.",
		ErrRFCFormat: "Invalid RFC: expected 12 (company) or 13 (individual) characters.",
		ErrRFCDate:   "Invalid RFC: the date part is not a valid date.",
		ErrNITFormat: "Invalid NIT: expected digits, a hyphen and a check digit (900373115-3).",
		ErrNITCheck:  "Invalid NIT: the check digit does not match.",
		ErrRUCFormat: "Invalid RUC: expected 11 digits starting with 10, 15, 16, 17 or 20.",
		ErrRUCCheck:  "Invalid RUC: the check digit does not match.",
		ErrBlank:     "This field may not be blank.",
	}
	for e, msg := range want {
		if e.Error() != msg {
			t.Errorf("got %q, want %q", e.Error(), msg)
		}
	}
}

func TestHasAlgorithm(t *testing.T) {
	for c, want := range map[string]bool{"CL": true, "mx": true, "CO": true, " PE ": true, "US": false, "AR": false, "": false} {
		if got := HasAlgorithm(c); got != want {
			t.Errorf("HasAlgorithm(%q) = %v, want %v", c, got, want)
		}
	}
}

func TestRUTCheckDigit(t *testing.T) {
	for body, want := range map[string]byte{
		"76086428": '5', "97975000": '5', "8414240": '9', "60803000": 'K',
		"66666666": '6', "076086428": '5', "1": '9', "0": '0',
	} {
		got, err := RUTCheckDigit(body)
		if err != nil || got != want {
			t.Errorf("RUTCheckDigit(%q) = %q, %v; want %q", body, got, err, want)
		}
	}
	for _, body := range []string{"", "12a", "-1", "1.000", " 1"} {
		if _, err := RUTCheckDigit(body); err != ErrRUTFormat {
			t.Errorf("RUTCheckDigit(%q) error = %v, want ErrRUTFormat", body, err)
		}
	}
}

func TestRFCCheckDigit(t *testing.T) {
	for _, rfc := range []string{"EKU9003173C9", "GODE561231GR8"} {
		c, ok := rfcCheckDigit(rfc)
		if !ok || string(c) != rfc[len(rfc)-1:] {
			t.Errorf("rfcCheckDigit(%q) = %q, %v", rfc, c, ok)
		}
	}
	if c, ok := rfcCheckDigit("GODE561231GR9"); !ok || c != '8' {
		t.Errorf("rfcCheckDigit(GODE561231GR9) = %q, %v; want '8'", c, ok)
	}
	if _, ok := rfcCheckDigit("short"); ok {
		t.Error("rfcCheckDigit(short) ok")
	}
}

func TestWorkedExamplesDigits(t *testing.T) {
	if got := nitCheckDigit("900373115"); got != '3' {
		t.Errorf("nitCheckDigit = %q, want '3'", got)
	}
	if got := rucCheckDigit("2010007097"); got != '0' {
		t.Errorf("rucCheckDigit = %q, want '0'", got)
	}
}

// checkDigitProperty asserts that body+computed digit validates and body
// with any other digit fails with the check error.
func checkDigitProperty(t *rapid.T, country string, format func(body string, dv byte) string,
	body string, want byte, digits string, checkErr *Error, normalized string) {
	in := format(body, want)
	got, err := Normalize(country, in)
	if err != nil || got != normalized {
		t.Fatalf("Normalize(%s, %q) = %q, %v; want %q", country, in, got, err, normalized)
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] == want {
			continue
		}
		in := format(body, digits[i])
		if _, err := Normalize(country, in); err != checkErr {
			t.Fatalf("Normalize(%s, %q) error = %v, want %q", country, in, err, checkErr.Msg)
		}
	}
}

func TestCheckDigitProperties(t *testing.T) {
	t.Run("RUT", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			body := rapid.StringMatching(`[1-9][0-9]{0,7}`).Draw(t, "body")
			dots := rapid.Bool().Draw(t, "dots")
			dv, err := RUTCheckDigit(body)
			if err != nil {
				t.Fatal(err)
			}
			format := func(b string, d byte) string {
				if dots { // 12.345.678-5 style
					var sb strings.Builder
					for i := range b {
						if i > 0 && (len(b)-i)%3 == 0 {
							sb.WriteByte('.')
						}
						sb.WriteByte(b[i])
					}
					b = sb.String()
				}
				return fmt.Sprintf("%s-%c", b, d)
			}
			checkDigitProperty(t, "CL", format, body, dv, "0123456789K", ErrRUTCheck, body+"-"+string(dv))
		})
	})
	t.Run("NIT", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			body := rapid.StringMatching(`[0-9]{6,15}`).Draw(t, "body")
			dv := nitCheckDigit(body)
			format := func(b string, d byte) string { return fmt.Sprintf("%s-%c", b, d) }
			checkDigitProperty(t, "CO", format, body, dv, "0123456789", ErrNITCheck, body+"-"+string(dv))
		})
	})
	t.Run("RUC", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			body := rapid.StringMatching(`(10|15|16|17|20)[0-9]{8}`).Draw(t, "body")
			dv := rucCheckDigit(body)
			format := func(b string, d byte) string { return fmt.Sprintf("%s%c", b, d) }
			checkDigitProperty(t, "PE", format, body, dv, "0123456789", ErrRUCCheck, body+string(dv))
		})
	})
	t.Run("RFC", func(t *testing.T) {
		// Any well-formed RFC with an existing date is accepted whatever
		// its check character.
		rapid.Check(t, func(t *rapid.T) {
			name := rapid.StringMatching(`[A-ZÑ&]{3,4}`).Draw(t, "name")
			yy := rapid.IntRange(0, 99).Draw(t, "yy")
			mm := rapid.IntRange(1, 12).Draw(t, "mm")
			dd := rapid.IntRange(1, 28).Draw(t, "dd")
			homo := rapid.StringMatching(`[A-Z0-9]{2}[0-9A]`).Draw(t, "homo")
			rfc := fmt.Sprintf("%s%02d%02d%02d%s", name, yy, mm, dd, homo)
			got, err := Normalize("MX", strings.ToLower(rfc))
			if err != nil || got != rfc {
				t.Fatalf("Normalize(MX, %q) = %q, %v", rfc, got, err)
			}
		})
	})
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"76.086.428-5", "60803000-k", "76086428-4", "EKU9003173C9", "gode-561231-gr8",
		"900.373.115-3", "20100070970", "XAXX010101000", " x ", "", "ñañ010101ab1", "N\u0303",
	} {
		for _, c := range []string{"CL", "MX", "CO", "PE", "US"} {
			f.Add(c, s)
		}
	}
	f.Fuzz(func(t *testing.T, country, v string) {
		got, err := Normalize(country, v)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" {
				t.Fatalf("unexpected error type %T %v", err, err)
			}
			return
		}
		if got == "" || got != strings.TrimSpace(got) {
			t.Fatalf("Normalize(%q, %q) = %q", country, v, got)
		}
		again, err := Normalize(country, got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: Normalize(%q, %q) = %q; again = %q, %v", country, v, got, again, err)
		}
	})
}
