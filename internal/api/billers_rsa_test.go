package api_test

import (
	"crypto/rsa"
	"math/big"
)

func rsaPub(modulus []byte, e int) *rsa.PublicKey {
	return &rsa.PublicKey{N: new(big.Int).SetBytes(modulus), E: e}
}
