// Package files signs and checks the local_file URLs of docs/conventions.md#10-pdfs-and-local_file: a
// stored file is fetchable without auth headers through a URL carrying an
// expiry and an HMAC-SHA256 signature made with the server secret.
package files

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"
)

// TTL is how long a freshly signed URL stays valid (docs/conventions.md#10-pdfs-and-local_file: 7 days).
const TTL = 7 * 24 * time.Hour

func mac(secret []byte, path string, expires int64) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(path))
	h.Write([]byte("\n"))
	h.Write([]byte(strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(h.Sum(nil))
}

// URL returns the signed absolute URL of a file.
func URL(base string, secret []byte, fileID string, now time.Time) string {
	path := "/files/" + fileID
	exp := now.Add(TTL).Unix()
	q := url.Values{"expires": {strconv.FormatInt(exp, 10)}, "signature": {mac(secret, path, exp)}}
	return base + path + "?" + q.Encode()
}

// Check verifies the expiry and signature of a request for path.
func Check(secret []byte, path, expires, signature string, now time.Time) bool {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || now.Unix() > exp {
		return false
	}
	want := mac(secret, path, exp)
	return hmac.Equal([]byte(want), []byte(signature))
}
