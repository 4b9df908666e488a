package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"

	"github.com/cobrobilling/cobro/internal/id"
)

// NewSecret is "whsecret_" + 52 base62 characters (docs/webhooks.md#12-endpoint-object).
func NewSecret() string { return "whsecret_" + id.Random(52) }

// StandardSecret is the secret in Standard Webhooks form: "whsec_" +
// base64 of the secret's UTF-8 bytes.
func StandardSecret(secret string) string {
	return "whsec_" + base64.StdEncoding.EncodeToString([]byte(secret))
}

// Body is the exact delivery body: two keys, this order, compact.
func Body(event, objectID string) []byte {
	b, _ := jsonString(event)
	o, _ := jsonString(objectID)
	return []byte(`{"event":` + b + `,"object_id":` + o + `}`)
}

// PiriodSignature is x-piriod-signature: hex HMAC-SHA256 of event+object_id.
func PiriodSignature(secret, event, objectID string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(event + objectID))
	return hex.EncodeToString(h.Sum(nil))
}

// StandardSignature is one "v1,<base64>" value of webhook-signature.
func StandardSignature(secret, msgID string, ts int64, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(msgID + "." + strconv.FormatInt(ts, 10) + "."))
	h.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil))
}
