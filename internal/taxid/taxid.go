// Package taxid validates and normalises tax identifiers (docs/catalogues.md#8-tax-id-validation).
//
// Chile (RUT), Mexico (RFC), Colombia (NIT) and Peru (RUC) have an
// algorithm; every other country (US included) accepts any non-blank value,
// trimmed. The normalised form returned by [Normalize] is what Cobro stores
// and returns.
//
// The package is pure: no I/O, no globals that change.
package taxid

import (
	"strings"
	"unicode/utf8"
)

// Error is a validation failure. Error() is the exact user-facing message
// of the spec, ready to be put under the field that carries the id
// ({"tax_id": ["Invalid RUT: the check digit does not match."]}).
//
// Normalize only returns the sentinel values below, so callers may compare
// with == or errors.Is.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Sentinel errors, one per user-facing message.
var (
	ErrBlank = &Error{"This field may not be blank."}

	ErrRUTFormat = &Error{"Invalid RUT: expected digits, a hyphen and a check digit (12345678-5)."}
	ErrRUTCheck  = &Error{"Invalid RUT: the check digit does not match."}

	ErrRFCFormat = &Error{"Invalid RFC: expected 12 (company) or 13 (individual) characters."}
	ErrRFCDate   = &Error{"Invalid RFC: the date part is not a valid date."}

	ErrNITFormat = &Error{"Invalid NIT: expected digits, a hyphen and a check digit (900373115-3)."}
	ErrNITCheck  = &Error{"Invalid NIT: the check digit does not match."}

	ErrRUCFormat = &Error{"Invalid RUC: expected 11 digits starting with 10, 15, 16, 17 or 20."}
	ErrRUCCheck  = &Error{"Invalid RUC: the check digit does not match."}
)

// HasAlgorithm reports whether country (ISO 3166-1 alpha-2, any case) has
// a tax-id algorithm: CL, MX, CO and PE.
func HasAlgorithm(country string) bool {
	switch normCountry(country) {
	case "CL", "MX", "CO", "PE":
		return true
	}
	return false
}

// Normalize validates v for the given country (ISO alpha-2, any case) and
// returns the normalised form. Surrounding whitespace is always trimmed; a
// blank value is [ErrBlank]. Countries without an algorithm get the trimmed
// value back as is (the caller enforces the field's maximum length).
//
// Normalize is idempotent: when it succeeds, normalising its output again
// returns the same output.
func Normalize(country, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ErrBlank
	}
	switch normCountry(country) {
	case "CL":
		return normalizeRUT(v)
	case "MX":
		return normalizeRFC(v)
	case "CO":
		return normalizeNIT(v)
	case "PE":
		return normalizeRUC(v)
	}
	return v, nil
}

func normCountry(c string) string { return strings.ToUpper(strings.TrimSpace(c)) }

// removeBytes returns s without any of the ASCII bytes in cut.
func removeBytes(s, cut string) string {
	return strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && strings.IndexByte(cut, byte(r)) >= 0 {
			return -1
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------- Chile

// normalizeRUT: remove dots and spaces, uppercase k, hyphen before the last
// character, body without leading zeros (1–8 digits, not all zeros),
// modulo-11 check digit.
func normalizeRUT(v string) (string, error) {
	s := removeBytes(v, ". ")
	if n := strings.Count(s, "-"); n > 1 || (n == 1 && strings.IndexByte(s, '-') != len(s)-2) {
		return "", ErrRUTFormat
	}
	s = strings.Replace(s, "-", "", 1)
	if len(s) < 2 {
		return "", ErrRUTFormat
	}
	dv := s[len(s)-1]
	if dv == 'k' {
		dv = 'K'
	}
	body := s[:len(s)-1]
	if !allDigits(body) || !(dv == 'K' || (dv >= '0' && dv <= '9')) {
		return "", ErrRUTFormat
	}
	body = strings.TrimLeft(body, "0")
	if body == "" || len(body) > 8 {
		return "", ErrRUTFormat
	}
	want, _ := RUTCheckDigit(body) // body is non-empty digits: cannot fail
	if dv != want {
		return "", ErrRUTCheck
	}
	return body + "-" + string(dv), nil
}

// RUTCheckDigit returns the Chilean modulo-11 check digit ('0'–'9' or 'K')
// of body, a non-empty string of ASCII digits (leading zeros are allowed
// and do not change the result). Otherwise it returns [ErrRUTFormat].
//
// Digits from right to left are multiplied by 2, 3, 4, 5, 6, 7, 2, 3, …;
// v = 11 − (S mod 11); 11 → '0', 10 → 'K'.
func RUTCheckDigit(body string) (byte, error) {
	if body == "" || !allDigits(body) {
		return 0, ErrRUTFormat
	}
	s, w := 0, 2
	for i := len(body) - 1; i >= 0; i-- {
		s = (s + int(body[i]-'0')*w) % 11
		if w++; w > 7 {
			w = 2
		}
	}
	switch v := 11 - s; v {
	case 11:
		return '0', nil
	case 10:
		return 'K', nil
	default:
		return byte('0' + v), nil
	}
}

// --------------------------------------------------------------- Mexico

// Generic RFCs accepted as is.
const (
	rfcGeneralPublic = "XAXX010101000"
	rfcForeigner     = "XEXX010101000"
)

// normalizeRFC: uppercase, remove spaces and hyphens, then check the format
// (12 characters for companies, 13 for individuals) and the YYMMDD date.
// The check digit is deliberately not enforced (docs/catalogues.md#82-mexico--rfc).
func normalizeRFC(v string) (string, error) {
	// A decomposed Ñ (N + combining tilde) is composed so that it counts as
	// one character.
	s := strings.ToUpper(removeBytes(v, " -"))
	s = strings.ReplaceAll(s, "N\u0303", "Ñ")
	if s == rfcGeneralPublic || s == rfcForeigner {
		return s, nil
	}
	r := []rune(s)
	if len(r) != 12 && len(r) != 13 {
		return "", ErrRFCFormat
	}
	k := len(r) - 9 // letters of the name part: 3 or 4
	for _, c := range r[:k] {
		if !(c >= 'A' && c <= 'Z' || c == 'Ñ' || c == '&') {
			return "", ErrRFCFormat
		}
	}
	for _, c := range r[k : k+6] {
		if c < '0' || c > '9' {
			return "", ErrRFCFormat
		}
	}
	for _, c := range r[k+6 : k+8] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", ErrRFCFormat
		}
	}
	if c := r[k+8]; !(c >= '0' && c <= '9' || c == 'A') {
		return "", ErrRFCFormat
	}
	d := func(i int) int { return int(r[k+i]-'0')*10 + int(r[k+i+1]-'0') }
	if !validYYMMDD(d(0), d(2), d(4)) {
		return "", ErrRFCDate
	}
	return s, nil
}

// validYYMMDD reports whether the two-digit-year date exists. The century
// is unknown (1900s or 2000s); year 00 is taken as 2000, so Feb 29 exists
// exactly when yy is divisible by 4.
func validYYMMDD(yy, mm, dd int) bool {
	if mm < 1 || mm > 12 || dd < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mm-1]
	if mm == 2 && yy%4 == 0 {
		days = 29
	}
	return dd <= days
}

// rfcAlphabet maps RFC characters to their values (0–38) for the check
// digit.
const rfcAlphabet = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"

// rfcCheckDigit computes the SAT check character of a 12- or 13-character
// RFC (its last character is ignored). Cobro does not enforce it, because
// RFCs that fail it have been issued; it is kept to document the algorithm
// and for the tests. ok is false when a character is outside the alphabet
// or the length is wrong.
func rfcCheckDigit(rfc string) (c rune, ok bool) {
	r := []rune(rfc)
	if len(r) != 12 && len(r) != 13 {
		return 0, false
	}
	alpha := []rune(rfcAlphabet)
	index := func(c rune) int {
		for i, a := range alpha {
			if a == c {
				return i
			}
		}
		return -1
	}
	head := r[:len(r)-1]
	for len(head) < 12 {
		head = append([]rune{' '}, head...)
	}
	s := 0
	for i, c := range head {
		v := index(c)
		if v < 0 {
			return 0, false
		}
		s += v * (13 - i)
	}
	return alpha[(11-s%11)%11], true
}

// ------------------------------------------------------------- Colombia

var nitWeights = [...]int{3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71}

// normalizeNIT: remove dots and spaces; format ^[0-9]{6,15}-[0-9]$ (the DV
// is required); modulo-11 check digit with prime weights.
func normalizeNIT(v string) (string, error) {
	s := removeBytes(v, ". ")
	h := strings.IndexByte(s, '-')
	if h < 0 || h != len(s)-2 {
		return "", ErrNITFormat
	}
	body, dv := s[:h], s[h+1]
	if len(body) < 6 || len(body) > 15 || !allDigits(body) || dv < '0' || dv > '9' {
		return "", ErrNITFormat
	}
	if nitCheckDigit(body) != dv {
		return "", ErrNITCheck
	}
	return s, nil
}

// nitCheckDigit returns the DV of body (1–15 ASCII digits).
func nitCheckDigit(body string) byte {
	s := 0
	for i := 0; i < len(body); i++ {
		s += int(body[len(body)-1-i]-'0') * nitWeights[i]
	}
	r := s % 11
	if r > 1 {
		r = 11 - r
	}
	return byte('0' + r)
}

// ----------------------------------------------------------------- Peru

var rucWeights = [...]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}

// normalizeRUC: remove spaces and hyphens; 11 digits starting with 10, 15,
// 16, 17 or 20; modulo-11 check digit.
func normalizeRUC(v string) (string, error) {
	s := removeBytes(v, " -")
	if len(s) != 11 || !allDigits(s) {
		return "", ErrRUCFormat
	}
	switch s[:2] {
	case "10", "15", "16", "17", "20":
	default:
		return "", ErrRUCFormat
	}
	if rucCheckDigit(s[:10]) != s[10] {
		return "", ErrRUCCheck
	}
	return s, nil
}

// rucCheckDigit returns the check digit of the first 10 digits of a RUC.
func rucCheckDigit(first10 string) byte {
	s := 0
	for i := 0; i < 10; i++ {
		s += int(first10[i]-'0') * rucWeights[i]
	}
	d := 11 - s%11
	switch d {
	case 10:
		d = 0
	case 11:
		d = 1
	}
	return byte('0' + d)
}
