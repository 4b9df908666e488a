// Package id makes and checks the prefixed random ids of docs/conventions.md#5-object-ids
// ("cus_" + 18 base62 characters).
package id

import (
	"crypto/rand"
	"strings"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandomLen is the number of random base62 characters after the prefix.
const RandomLen = 18

// New returns prefix + "_" + 18 random base62 characters.
func New(prefix string) string { return prefix + "_" + Random(RandomLen) }

// Random returns n random base62 characters from crypto/rand without
// modulo bias.
func Random(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("id: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			// 248 = 4*62: reject the top values so every character is equally likely.
			if b < 248 {
				out = append(out, alphabet[b%62])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}

// Valid reports whether s is prefix + "_" + exactly 18 base62 characters.
func Valid(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != RandomLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(alphabet, rest[i]) < 0 {
			return false
		}
	}
	return true
}
