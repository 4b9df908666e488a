package clsii

import (
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
)

// Delivery retries span about 24 hours; polls follow docs/tax-agency.md#91-which-endpoint.
func TestSchedules(t *testing.T) {
	var total time.Duration
	for n := 1; n < maxSendAttempts; n++ {
		total += sendBackoff(n)
	}
	if total < 23*time.Hour || total > 26*time.Hour {
		t.Errorf("retries span %v", total)
	}
	if sendBackoff(1) != time.Minute || sendBackoff(3) != 4*time.Minute || sendBackoff(20) != time.Hour {
		t.Error("backoff steps")
	}
	if pollEvery(9*time.Minute) != time.Minute || pollEvery(10*time.Minute) != 15*time.Minute {
		t.Error("poll schedule")
	}
}

func TestOnlyRepeated(t *testing.T) {
	dup := sii.Message{Code: "DUP-001", Severity: "error", Text: "Folio 1 of type 33 was already received."}
	glosa := sii.Message{Code: "RCH", Severity: "error", Text: "DTE Repetido"}
	other := glosa
	other.Text = "RUT invalido"
	if !onlyRepeated([]sii.Message{dup}) || !onlyRepeated([]sii.Message{dup, glosa}) || onlyRepeated([]sii.Message{dup, other}) || onlyRepeated(nil) {
		t.Error("onlyRepeated")
	}
}
