package mail

import (
	"encoding/base64"
	"strings"
	"testing"
)

func decodeB64(t testing.TB, s string) string {
	b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
