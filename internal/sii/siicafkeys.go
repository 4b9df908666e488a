package sii

import (
	"crypto/rsa"
	"math/big"
)

// The SII's CAF-signing keys, by the IDK a CAF's <DA> names. A CAF's
// <FRMA algoritmo="SHA1withRSA"> is the SII's signature over its <DA>.
// IDK 100 signs the CAFs of the certification environment (maullin), IDK
// 300 those of production (palena). They are 512-bit RSA keys, exponent
// 65537, published by the SII as self-signed certificates (subject
// "Servicio de Impuestos Internos", serial numbers 100 and 300); the
// moduli below are read from the copies LibreDTE ships
// (github.com/LibreDTE/libredte-lib-core, resources/certificates/100.cer
// and 300.cer, commit 22e511c3), which it verifies CAFs against by IDK.
const (
	CertificationIDK = 100
	ProductionIDK    = 300
)

var siiCAFModuli = map[int]string{
	CertificationIDK: "C8FBF00DCB21A55000A585522C5DE528A73E0CE16CC03AB1E5EA7DE4B2A28111E352FAEF8DCB7D51E349ABD4B105DCD4F67CF9E13115058C9F0154291B8C7153",
	ProductionIDK:    "9DEEBFC5EEBD96DF4C7CF53F1BFA15D85D73EF04C6718F8C07B3F785EFEE75E7B4EF5A3AE079C3265A900E45F602890AF6FB4FAFA2B8D6938F7F011C3585B335",
}

// SIICAFKeys returns the SII's public CAF keys for the given IDKs (a fresh
// map: callers may not share or change it).
func SIICAFKeys(idks ...int) map[int]*rsa.PublicKey {
	keys := map[int]*rsa.PublicKey{}
	for _, idk := range idks {
		if hex, ok := siiCAFModuli[idk]; ok {
			n, _ := new(big.Int).SetString(hex, 16)
			keys[idk] = &rsa.PublicKey{N: n, E: 65537}
		}
	}
	return keys
}
