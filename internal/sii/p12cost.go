package sii

import (
	encasn1 "encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// MaxPKCS12Iterations bounds every key-derivation iteration count of an
// uploaded .p12. Exporters use 2,048 to a few hundred thousand; a count
// of 150,000,000 costs the decoder about 20 s of CPU, and the counts are
// read as 64-bit integers, so an unbounded one can spin a core forever.
const MaxPKCS12Iterations = 1_000_000

var (
	oidP12Data          = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidP12EncryptedData = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidP12ShroudedKey   = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidPBES2            = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2           = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBMAC1           = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidPKCS12PBE        = encasn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1} // pbeWithSHAAnd… (RFC 7292 App. C)
)

// CheckPKCS12Cost reads the iteration counts a PKCS#12 decoder would spend
// work on (RFC 7292: the MAC's, legacy or PBMAC1; the PBES1/PBES2
// parameters of encrypted safes and of shrouded key bags in plain safes)
// and refuses any above MaxPKCS12Iterations, before any key is derived.
// Counts inside encrypted safes cannot be read without the derivation they
// guard; mainstream exporters never put the key bag there.
func CheckPKCS12Cost(der []byte) error {
	in := cryptobyte.String(der)
	var pfx, authSafe cryptobyte.String
	var version int64
	if !in.ReadASN1(&pfx, asn1.SEQUENCE) || !pfx.ReadASN1Integer(&version) || !pfx.ReadASN1(&authSafe, asn1.SEQUENCE) {
		return ErrCertNotPKCS12
	}
	if !pfx.Empty() {
		var macData cryptobyte.String
		if !pfx.ReadASN1(&macData, asn1.SEQUENCE) {
			return ErrCertNotPKCS12
		}
		if err := checkMacCost(macData); err != nil {
			return err
		}
	}
	oid, content, ok := readContentInfo(authSafe)
	if !ok {
		return ErrCertNotPKCS12
	}
	if !oid.Equal(oidP12Data) {
		return nil // the decoder refuses anything but password integrity
	}
	var octets, safes cryptobyte.String
	if !content.ReadASN1(&octets, asn1.OCTET_STRING) || !octets.ReadASN1(&safes, asn1.SEQUENCE) {
		return ErrCertNotPKCS12
	}
	for !safes.Empty() {
		var ci cryptobyte.String
		if !safes.ReadASN1(&ci, asn1.SEQUENCE) {
			return ErrCertNotPKCS12
		}
		if err := checkSafeCost(ci); err != nil {
			return err
		}
	}
	return nil
}

// readContentInfo reads ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }.
func readContentInfo(ci cryptobyte.String) (encasn1.ObjectIdentifier, cryptobyte.String, bool) {
	var oid encasn1.ObjectIdentifier
	var content cryptobyte.String
	ok := ci.ReadASN1ObjectIdentifier(&oid) && ci.ReadASN1(&content, asn1.Tag(0).Constructed().ContextSpecific())
	return oid, content, ok
}

// checkMacCost: MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }.
func checkMacCost(macData cryptobyte.String) error {
	var digestInfo, alg cryptobyte.String
	var oid encasn1.ObjectIdentifier
	if !macData.ReadASN1(&digestInfo, asn1.SEQUENCE) || !digestInfo.ReadASN1(&alg, asn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return ErrCertNotPKCS12
	}
	if oid.Equal(oidPBMAC1) { // RFC 9579: PBMAC1-params ::= SEQUENCE { keyDerivationFunc, messageAuthScheme }
		var params, kdf cryptobyte.String
		if !alg.ReadASN1(&params, asn1.SEQUENCE) || !params.ReadASN1(&kdf, asn1.SEQUENCE) {
			return ErrCertNotPKCS12
		}
		if err := checkKDFCost(kdf, "MAC"); err != nil {
			return err
		}
	}
	if !macData.SkipASN1(asn1.OCTET_STRING) {
		return ErrCertNotPKCS12
	}
	if macData.PeekASN1Tag(asn1.INTEGER) {
		return readIterations(&macData, "MAC")
	}
	return nil
}

// checkSafeCost bounds one ContentInfo of the AuthenticatedSafe.
func checkSafeCost(ci cryptobyte.String) error {
	oid, content, ok := readContentInfo(ci)
	if !ok {
		return ErrCertNotPKCS12
	}
	switch {
	case oid.Equal(oidP12EncryptedData):
		// EncryptedData ::= SEQUENCE { version, EncryptedContentInfo ::= SEQUENCE { contentType, algorithm, … } }
		var ed, eci, alg cryptobyte.String
		if !content.ReadASN1(&ed, asn1.SEQUENCE) || !ed.SkipASN1(asn1.INTEGER) || !ed.ReadASN1(&eci, asn1.SEQUENCE) ||
			!eci.SkipASN1(asn1.OBJECT_IDENTIFIER) || !eci.ReadASN1(&alg, asn1.SEQUENCE) {
			return ErrCertNotPKCS12
		}
		return checkPBECost(alg)
	case oid.Equal(oidP12Data):
		var octets, bags cryptobyte.String
		if !content.ReadASN1(&octets, asn1.OCTET_STRING) || !octets.ReadASN1(&bags, asn1.SEQUENCE) {
			return ErrCertNotPKCS12
		}
		for !bags.Empty() {
			var bag cryptobyte.String
			if !bags.ReadASN1(&bag, asn1.SEQUENCE) {
				return ErrCertNotPKCS12
			}
			if err := checkBagCost(bag); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkBagCost: SafeBag ::= SEQUENCE { bagId, [0] EXPLICIT bagValue, … };
// a shrouded key is EncryptedPrivateKeyInfo ::= SEQUENCE { algorithm, data }.
func checkBagCost(bag cryptobyte.String) error {
	oid, value, ok := readContentInfo(bag)
	if !ok {
		return ErrCertNotPKCS12
	}
	if !oid.Equal(oidP12ShroudedKey) {
		return nil
	}
	var epki, alg cryptobyte.String
	if !value.ReadASN1(&epki, asn1.SEQUENCE) || !epki.ReadASN1(&alg, asn1.SEQUENCE) {
		return ErrCertNotPKCS12
	}
	return checkPBECost(alg)
}

// checkPBECost bounds an encryption AlgorithmIdentifier: PBES2 (its
// PBKDF2) or a PKCS#12 PBE (pkcs-12PbeParams ::= SEQUENCE { salt, iterations }).
func checkPBECost(alg cryptobyte.String) error {
	var oid encasn1.ObjectIdentifier
	if !alg.ReadASN1ObjectIdentifier(&oid) {
		return ErrCertNotPKCS12
	}
	var params cryptobyte.String
	switch {
	case oid.Equal(oidPBES2):
		var kdf cryptobyte.String
		if !alg.ReadASN1(&params, asn1.SEQUENCE) || !params.ReadASN1(&kdf, asn1.SEQUENCE) {
			return ErrCertNotPKCS12
		}
		return checkKDFCost(kdf, "encryption")
	case len(oid) == len(oidPKCS12PBE)+1 && oid[:len(oidPKCS12PBE)].Equal(oidPKCS12PBE):
		if !alg.ReadASN1(&params, asn1.SEQUENCE) || !params.SkipASN1(asn1.OCTET_STRING) {
			return ErrCertNotPKCS12
		}
		return readIterations(&params, "encryption")
	}
	return nil // an algorithm the decoder does not know: it refuses it
}

// checkKDFCost: PBKDF2-params ::= SEQUENCE { salt, iterationCount, … }.
func checkKDFCost(kdf cryptobyte.String, what string) error {
	var oid encasn1.ObjectIdentifier
	var params cryptobyte.String
	if !kdf.ReadASN1ObjectIdentifier(&oid) {
		return ErrCertNotPKCS12
	}
	if !oid.Equal(oidPBKDF2) {
		return nil
	}
	var salt cryptobyte.String
	var tag asn1.Tag
	if !kdf.ReadASN1(&params, asn1.SEQUENCE) || !params.ReadAnyASN1(&salt, &tag) { // salt: OCTET STRING or AlgorithmIdentifier
		return ErrCertNotPKCS12
	}
	return readIterations(&params, what)
}

var maxIterations = big.NewInt(MaxPKCS12Iterations)

func readIterations(s *cryptobyte.String, what string) error {
	n := new(big.Int)
	if !s.ReadASN1Integer(n) {
		return ErrCertNotPKCS12
	}
	if n.Cmp(maxIterations) > 0 {
		return &CertError{"file", fmt.Sprintf("The certificate file's %s iteration count (%s) is above the limit of %d; export it again with standard settings.",
			what, n, MaxPKCS12Iterations)}
	}
	return nil
}
