package templates

import (
	"crypto/x509/pkix"
	"encoding/asn1"
)

// maxPFXIterations bounds one key derivation of a PFX. The file names
// its own iteration counts and the PKCS#12 reader derives with whatever
// it says: a billion is minutes of CPU in akv cert, render and a cron'd
// check. OpenSSL and Windows write 2048, Java 10000, the most careful
// settings (OWASP's 600000 for PBKDF2) fit below.
const maxPFXIterations = 1_000_000

var (
	oidPFXData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidPFXEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidPFXShroudedKey   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidPBES2            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBMAC1           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
)

type pfxContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

// pfxIterations is the largest iteration count of the key derivations a
// PFX asks for where they can be read before decrypting: the MAC (PKCS#12
// or PBMAC1), each encrypted safe, and each shrouded key bag in a plain
// one (where OpenSSL, Windows, Java and Key Vault put the key). What does
// not parse counts 0: the PKCS#12 reader will refuse it for what it is.
func pfxIterations(der []byte) int {
	var pfx struct {
		Version  int
		AuthSafe pfxContentInfo
		MacData  asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		return 0
	}
	most := macIterations(pfx.MacData.FullBytes)
	var safe []byte
	if !pfx.AuthSafe.ContentType.Equal(oidPFXData) || unmarshalAll(pfx.AuthSafe.Content.Bytes, &safe) != nil {
		return most
	}
	var contents []pfxContentInfo
	if unmarshalAll(safe, &contents) != nil {
		return most
	}
	for _, ci := range contents {
		switch {
		case ci.ContentType.Equal(oidPFXEncryptedData):
			var ed struct {
				Version int
				Info    struct {
					ContentType asn1.ObjectIdentifier
					Algorithm   pkix.AlgorithmIdentifier
				}
			}
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err == nil {
				most = max(most, pbeIterations(ed.Info.Algorithm))
			}
		case ci.ContentType.Equal(oidPFXData):
			var data []byte
			var bags []struct {
				ID    asn1.ObjectIdentifier
				Value asn1.RawValue `asn1:"tag:0,explicit"`
			}
			if unmarshalAll(ci.Content.Bytes, &data) != nil || unmarshalAll(data, &bags) != nil {
				continue
			}
			for _, bag := range bags {
				var key struct{ Algorithm pkix.AlgorithmIdentifier }
				if bag.ID.Equal(oidPFXShroudedKey) && unmarshalPrefix(bag.Value.Bytes, &key) == nil {
					most = max(most, pbeIterations(key.Algorithm))
				}
			}
		}
	}
	return most
}

func macIterations(macData []byte) int {
	if len(macData) == 0 {
		return 0
	}
	var mac struct {
		Mac struct {
			Algorithm pkix.AlgorithmIdentifier
			Digest    []byte
		}
		Salt       []byte
		Iterations int `asn1:"optional,default:1"`
	}
	if _, err := asn1.Unmarshal(macData, &mac); err != nil {
		return 0
	}
	if mac.Mac.Algorithm.Algorithm.Equal(oidPBMAC1) {
		var params struct{ KDF pkix.AlgorithmIdentifier }
		if unmarshalPrefix(mac.Mac.Algorithm.Parameters.FullBytes, &params) != nil {
			return 0
		}
		return kdfIterations(params.KDF)
	}
	return mac.Iterations
}

// pbeIterations reads PBES2's PBKDF2 count, or the one of PKCS#12's and
// PKCS#5 v1's own schemes ({salt, iterations}).
func pbeIterations(alg pkix.AlgorithmIdentifier) int {
	if alg.Algorithm.Equal(oidPBES2) {
		var params struct{ KDF pkix.AlgorithmIdentifier }
		if unmarshalPrefix(alg.Parameters.FullBytes, &params) != nil {
			return 0
		}
		return kdfIterations(params.KDF)
	}
	var params struct {
		Salt       []byte
		Iterations int
	}
	if unmarshalPrefix(alg.Parameters.FullBytes, &params) != nil {
		return 0
	}
	return params.Iterations
}

func kdfIterations(kdf pkix.AlgorithmIdentifier) int {
	var params struct {
		Salt       asn1.RawValue
		Iterations int
	}
	if !kdf.Algorithm.Equal(oidPBKDF2) || unmarshalPrefix(kdf.Parameters.FullBytes, &params) != nil {
		return 0
	}
	return params.Iterations
}

// unmarshalAll reads one value that fills b; unmarshalPrefix reads the
// leading fields of a SEQUENCE (encoding/asn1 leaves the rest).
func unmarshalAll(b []byte, v any) error {
	rest, err := asn1.Unmarshal(b, v)
	if err == nil && len(rest) > 0 {
		return asn1.SyntaxError{Msg: "trailing data"}
	}
	return err
}

func unmarshalPrefix(b []byte, v any) error {
	_, err := asn1.Unmarshal(b, v)
	return err
}
