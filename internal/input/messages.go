package input

import (
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
)

// Standard messages of docs/conventions.md#12-errors, exact strings.
const (
	MsgRequired   = apperr.MsgRequired
	MsgNull       = apperr.MsgNull
	MsgBlank      = apperr.MsgBlank
	MsgInteger    = apperr.MsgInteger
	MsgNumber     = "A valid number is required."
	MsgEmail      = "Enter a valid email address."
	MsgURL        = "Enter a valid URL."
	MsgBoolean    = "Must be a valid boolean."
	MsgEmptyList  = apperr.MsgEmptyList
	MsgDate       = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	MsgDateTime   = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	MsgNoChange   = apperr.MsgNoChange
	MsgTooManyKey = "Ensure this object has no more than %d keys."
)

func MsgMaxLen(n int) string    { return apperr.MsgMaxLen(n) }
func MsgChoice(v string) string { return apperr.MsgChoice(v) }
func MsgPK(v string) string     { return apperr.MsgPK(v) }
func MsgPKType(jsonType string) string {
	return fmt.Sprintf("Incorrect type. Expected pk value, received %s.", jsonType)
}
func MsgDict(jsonType string) string {
	return fmt.Sprintf("Expected a dictionary of items but got type %q.", jsonType)
}
func MsgList(jsonType string) string {
	return fmt.Sprintf("Expected a list of items but got type %q.", jsonType)
}
