package modules

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// A minimal OpenPGP reader (RFC 4880, RFC 9580) for apt keyrings: enough
// to dearmor a public key, compute its primary fingerprint and refuse what
// must not land in /etc/apt/keyrings (secret keys, several primary keys).
// Signatures are not verified: apt's gpgv checks the repository's
// signatures with this keyring, and the fingerprint pins which key that is.

// Packet tags the reader accepts in a public keyring; anything else
// (a secret key, compressed or encrypted data) is refused.
const (
	pgpSignature     = 2
	pgpPublicKey     = 6
	pgpTrust         = 12
	pgpUserID        = 13
	pgpPublicSubkey  = 14
	pgpUserAttribute = 17
	pgpPadding       = 21
)

// MaxKeyring bounds a key file or fetched key: vendor keys are a few KiB.
const MaxKeyring = 1 << 20

// pgpKey is what the reader found in a key file.
type pgpKey struct {
	Binary       []byte   // the packets, dearmored
	Fingerprints []string // primary keys' fingerprints, upper-case hex
}

// readPGPKey dearmors data when armored and walks its packets.
func readPGPKey(data []byte) (pgpKey, error) {
	if len(data) > MaxKeyring {
		return pgpKey{}, fmt.Errorf("the key is %d bytes, more than the %d KiB an apt key may have", len(data), MaxKeyring>>10)
	}
	bin := data
	if bytes.Contains(data, []byte("-----BEGIN PGP")) {
		var err error
		if bin, err = dearmor(data); err != nil {
			return pgpKey{}, err
		}
	}
	k := pgpKey{Binary: bin}
	for rest := bin; len(rest) > 0; {
		tag, body, next, err := pgpPacket(rest)
		if err != nil {
			return pgpKey{}, err
		}
		rest = next
		switch tag {
		case pgpPublicKey:
			fp, err := pgpFingerprint(body)
			if err != nil {
				return pgpKey{}, err
			}
			k.Fingerprints = append(k.Fingerprints, fp)
		case pgpSignature, pgpTrust, pgpUserID, pgpPublicSubkey, pgpUserAttribute, pgpPadding:
		case 5, 7:
			return pgpKey{}, errors.New("the key file holds a secret key: give the public key only (gpg --export, not --export-secret-keys)")
		default:
			return pgpKey{}, fmt.Errorf("the key file holds an OpenPGP packet of type %d, which a public key does not have", tag)
		}
	}
	if len(k.Fingerprints) == 0 {
		return pgpKey{}, errors.New("the key file holds no OpenPGP public key")
	}
	return k, nil
}

// dearmor decodes the first ASCII-armored public key block, checking its
// CRC-24 when present.
func dearmor(data []byte) ([]byte, error) {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	const begin, end = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n", "-----END PGP PUBLIC KEY BLOCK-----"
	i := strings.Index(s, begin)
	if i < 0 {
		if strings.Contains(s, "PRIVATE KEY BLOCK") {
			return nil, errors.New("the key file holds a secret key: give the public key only (gpg --export, not --export-secret-keys)")
		}
		return nil, errors.New("the key file is armored but holds no PUBLIC KEY BLOCK")
	}
	s = s[i+len(begin):]
	j := strings.Index(s, end)
	if j < 0 {
		return nil, errors.New("the armored key has no END line")
	}
	lines := strings.Split(s[:j], "\n")
	// Armor headers (Version: ...) end at the first empty line.
	for k, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines = lines[k+1:]
			break
		}
		if !strings.Contains(l, ": ") {
			break // no headers
		}
	}
	var b64, crc strings.Builder
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "=") && len(l) == 5 {
			crc.WriteString(l[1:])
			break
		}
		b64.WriteString(l)
	}
	bin, err := base64.StdEncoding.DecodeString(b64.String())
	if err != nil {
		return nil, fmt.Errorf("the armored key does not decode: %w", err)
	}
	if crc.Len() > 0 {
		want, err := base64.StdEncoding.DecodeString(crc.String())
		if err != nil || len(want) != 3 {
			return nil, errors.New("the armored key's checksum line does not decode")
		}
		got := crc24(bin)
		if uint32(want[0])<<16|uint32(want[1])<<8|uint32(want[2]) != got {
			return nil, errors.New("the armored key's checksum does not match: the file is damaged")
		}
	}
	return bin, nil
}

func crc24(b []byte) uint32 {
	crc := uint32(0xB704CE)
	for _, c := range b {
		crc ^= uint32(c) << 16
		for i := 0; i < 8; i++ {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= 0x1864CFB
			}
		}
	}
	return crc & 0xFFFFFF
}

// pgpPacket splits off the first packet: its tag and body.
func pgpPacket(b []byte) (tag int, body, rest []byte, err error) {
	bad := errors.New("the key is not valid OpenPGP data (a packet header is malformed or cut)")
	if len(b) < 2 || b[0]&0x80 == 0 {
		return 0, nil, nil, bad
	}
	var n, hdr int
	if b[0]&0x40 != 0 { // new format
		tag = int(b[0] & 0x3f)
		switch o := int(b[1]); {
		case o < 192:
			n, hdr = o, 2
		case o < 224:
			if len(b) < 3 {
				return 0, nil, nil, bad
			}
			n, hdr = (o-192)<<8+int(b[2])+192, 3
		case o == 255:
			if len(b) < 6 {
				return 0, nil, nil, bad
			}
			n, hdr = int(binary.BigEndian.Uint32(b[2:6])), 6
		default:
			return 0, nil, nil, errors.New("the key uses partial-length OpenPGP packets, which a public key does not")
		}
	} else { // old format
		tag = int(b[0]>>2) & 0xf
		switch b[0] & 3 {
		case 0:
			n, hdr = int(b[1]), 2
		case 1:
			if len(b) < 3 {
				return 0, nil, nil, bad
			}
			n, hdr = int(binary.BigEndian.Uint16(b[1:3])), 3
		case 2:
			if len(b) < 5 {
				return 0, nil, nil, bad
			}
			n, hdr = int(binary.BigEndian.Uint32(b[1:5])), 5
		default:
			return 0, nil, nil, errors.New("the key uses an OpenPGP packet of indeterminate length")
		}
	}
	if n < 0 || hdr+n > len(b) {
		return 0, nil, nil, bad
	}
	return tag, b[hdr : hdr+n], b[hdr+n:], nil
}

// pgpFingerprint is a public-key packet's fingerprint: SHA-1 over 0x99,
// a two-octet length and the body for v4; SHA-256 with 0x9B and a
// four-octet length for v6 (0x9A for v5).
func pgpFingerprint(body []byte) (string, error) {
	if len(body) == 0 {
		return "", errors.New("the key has an empty public-key packet")
	}
	switch body[0] {
	case 4:
		if len(body) > 0xffff {
			return "", errors.New("the key's public-key packet is too long")
		}
		h := sha1.New()
		h.Write([]byte{0x99, byte(len(body) >> 8), byte(len(body))})
		h.Write(body)
		return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), nil
	case 5, 6:
		h := sha256.New()
		pre := byte(0x9B)
		if body[0] == 5 {
			pre = 0x9A
		}
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(body)))
		h.Write(append([]byte{pre}, l[:]...))
		h.Write(body)
		return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), nil
	}
	return "", fmt.Errorf("the key is an OpenPGP version %d key; apt keys are version 4 (or 6)", body[0])
}

// normFingerprint removes blanks and upper-cases: "6F71 F525 ..." and
// "6f71f525..." name the same key.
func normFingerprint(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// spacedFingerprint groups a fingerprint by four, as gpg prints it.
func spacedFingerprint(fp string) string {
	var b strings.Builder
	for i := 0; i < len(fp); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fp[i:min(i+4, len(fp))])
	}
	return b.String()
}

// checkPinned requires exactly one primary key, the pinned one. apt trusts
// every key of a Signed-By keyring for that repository, so a second key
// would be trusted without being pinned.
func checkPinned(k pgpKey, want string) error {
	if len(k.Fingerprints) > 1 {
		return fmt.Errorf("the key file holds %d primary keys (%s); give exactly the one with fingerprint %s: apt would trust every key in it",
			len(k.Fingerprints), strings.Join(k.Fingerprints, ", "), want)
	}
	if k.Fingerprints[0] != want {
		return fmt.Errorf("the key's fingerprint is %s, not the declared %s", k.Fingerprints[0], want)
	}
	return nil
}
