package input

import "fmt"

// Standard messages of docs/conventions.md#12-errors, exact strings.
const (
	MsgRequired   = "This field is required."
	MsgNull       = "This field may not be null."
	MsgBlank      = "This field may not be blank."
	MsgInteger    = "A valid integer is required."
	MsgNumber     = "A valid number is required."
	MsgEmail      = "Enter a valid email address."
	MsgURL        = "Enter a valid URL."
	MsgBoolean    = "Must be a valid boolean."
	MsgEmptyList  = "This list may not be empty."
	MsgDate       = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	MsgDateTime   = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	MsgNoChange   = "This field cannot be changed after creation."
	MsgTooManyKey = "Ensure this object has no more than %d keys."
)

func MsgMaxLen(n int) string {
	return fmt.Sprintf("Ensure this field has no more than %d characters.", n)
}
func MsgChoice(v string) string {
	return fmt.Sprintf("%q is not a valid choice.", v)
}
func MsgPK(v string) string { return fmt.Sprintf("Invalid pk %q - object does not exist.", v) }
func MsgPKType(jsonType string) string {
	return fmt.Sprintf("Incorrect type. Expected pk value, received %s.", jsonType)
}
func MsgDict(jsonType string) string {
	return fmt.Sprintf("Expected a dictionary of items but got type %q.", jsonType)
}
func MsgList(jsonType string) string {
	return fmt.Sprintf("Expected a list of items but got type %q.", jsonType)
}
func MsgArchived(object string) string { return object + " is archived." }
