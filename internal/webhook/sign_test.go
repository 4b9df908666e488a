package webhook

import "testing"

// docs/webhooks.md#44-test-vector test vector.
func TestSignatureVector(t *testing.T) {
	const secret = "whsecret_44r5V2M8MUXRBY7XLeYhm0Hbhi1gKfoSJwD9AvXiwgMPixeQW8tb"
	body := Body("invoice.finalized", "inv_95kreTFdLpltAZZ3Ln")
	if string(body) != `{"event":"invoice.finalized","object_id":"inv_95kreTFdLpltAZZ3Ln"}` {
		t.Errorf("body %s", body)
	}
	if got := PiriodSignature(secret, "invoice.finalized", "inv_95kreTFdLpltAZZ3Ln"); got != "5039553788622e5f03abe1396f64a17e42739650dcfad565c90cfa709d6d6e30" {
		t.Errorf("x-piriod-signature %s", got)
	}
	if got := StandardSignature(secret, "evt_QgZsJGjMZXVfy3baz0", 1748880000, body); got != "v1,a3QDTJhAtocYIV1oQZJY+WGpNUaM/3luoVWNT9CqQLI=" {
		t.Errorf("webhook-signature %s", got)
	}
	if got := StandardSecret(secret); got != "whsec_d2hzZWNyZXRfNDRyNVYyTThNVVhSQlk3WExlWWhtMEhiaGkxZ0tmb1NKd0Q5QXZYaXdnTVBpeGVRVzh0Yg==" {
		t.Errorf("standard secret %s", got)
	}
}
