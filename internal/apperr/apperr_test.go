package apperr

import "testing"

// Message finds the first message inside nested errors (a line's), so a
// caller passing a refusal on says what was wrong.
func TestMessageNested(t *testing.T) {
	lines := &Fields{}
	lines.Nest("lines", []any{map[string]any{}, map[string]any{"name": []string{MsgMaxLen(80)}}})
	err := lines.Err().(*Error)
	if got := err.Message(""); got != MsgMaxLen(80) {
		t.Errorf("Message(\"\") = %q", got)
	}
	if got := err.Message("lines"); got != MsgMaxLen(80) {
		t.Errorf("Message(lines) = %q", got)
	}
	flat := &Fields{}
	flat.Add("b", "second")
	flat.Add("a", "first")
	if got := flat.Err().(*Error).Message(""); got != "first" {
		t.Errorf("flat: %q, want the first field's in key order", got)
	}
	if got := (&Error{Kind: Invalid, Fields: map[string]any{"x": []any{map[string]any{}}}}).Message(""); got == "" {
		t.Error("no message: want the error's text")
	}
}
