package id

import "testing"

func TestNewIsValid(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		v := New("cus")
		if !Valid("cus", v) {
			t.Fatalf("New produced invalid id %q", v)
		}
		if seen[v] {
			t.Fatalf("duplicate id %q", v)
		}
		seen[v] = true
	}
}

func TestValidRejects(t *testing.T) {
	for _, s := range []string{"", "cus_", "cus_123", "pro_tnlUbv0YSTbzmsx7oH", "cus_tnlUbv0YSTbzmsx7o!", "cus_tnlUbv0YSTbzmsx7oHH", "custnlUbv0YSTbzmsx7oH"} {
		if Valid("cus", s) {
			t.Errorf("Valid(cus, %q) = true", s)
		}
	}
	if !Valid("ord", "ord_tnlUbv0YSTbzmsx7oH") {
		t.Error("seed id rejected")
	}
}
