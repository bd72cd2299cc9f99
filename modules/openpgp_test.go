package modules

import (
	"os"
	"strings"
	"testing"
)

func testKey(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/aptkeys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testFPR(t *testing.T, name string) string {
	return strings.TrimSpace(string(testKey(t, name)))
}

// TestReadPGPKey: fingerprints as gpg prints them, armored or binary; what
// must not land in a keyring is refused.
func TestReadPGPKey(t *testing.T) {
	a, b := testFPR(t, "a.fpr"), testFPR(t, "b.fpr")
	armored := string(testKey(t, "a.asc"))
	// One base64 character of the body changed: the CRC-24 no longer fits.
	lines := strings.Split(armored, "\n")
	for i, l := range lines {
		if i > 2 && len(l) > 10 && !strings.HasPrefix(l, "=") && !strings.HasPrefix(l, "-") {
			lines[i] = "A" + l[1:]
			if lines[i] != l {
				break
			}
		}
	}
	damaged := strings.Join(lines, "\n")
	for _, c := range []struct {
		name    string
		data    []byte
		want    []string
		wantErr string
	}{
		{"armored ed25519", testKey(t, "a.asc"), []string{a}, ""},
		{"binary ed25519", testKey(t, "a.gpg"), []string{a}, ""},
		{"armored rsa", testKey(t, "b.asc"), []string{b}, ""},
		{"two keys", testKey(t, "ab.asc"), []string{a, b}, ""},
		{"crlf armor", []byte(strings.ReplaceAll(armored, "\n", "\r\n")), []string{a}, ""},
		{"damaged armor", []byte(damaged), nil, "checksum does not match"},
		{"secret key packet", []byte{0xC5, 0x01, 0x04}, nil, "secret key"},
		{"armored secret key", []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxx\n-----END PGP PRIVATE KEY BLOCK-----\n"), nil, "secret key"},
		{"not openpgp", []byte("hello"), nil, "not valid OpenPGP"},
		{"cut packet", testKey(t, "a.gpg")[:40], nil, "not valid OpenPGP"},
		{"no key, a user id only", []byte{0xCD, 0x01, 'x'}, nil, "no OpenPGP public key"},
		{"literal data", []byte{0xCB, 0x01, 'x'}, nil, "packet of type 11"},
		{"too large", make([]byte, MaxKeyring+1), nil, "more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k, err := readPGPKey(c.data)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(k.Fingerprints, " ") != strings.Join(c.want, " ") {
				t.Errorf("fingerprints %v, want %v", k.Fingerprints, c.want)
			}
			if string(k.Binary) != string(testKey(t, "a.gpg")) && c.name == "armored ed25519" {
				t.Errorf("dearmored key differs from gpg --export")
			}
		})
	}
}

// TestCheckPinned: exactly one primary key, the declared one.
func TestCheckPinned(t *testing.T) {
	a, b := testFPR(t, "a.fpr"), testFPR(t, "b.fpr")
	for _, c := range []struct {
		name, file, fpr, wantErr string
	}{
		{"match", "a.asc", a, ""},
		{"match, spaced lower case", "a.asc", strings.ToLower(spacedFingerprint(a)), ""},
		{"other key", "a.asc", b, "not the declared"},
		{"two keys, first pinned", "ab.asc", a, "holds 2 primary keys"},
		{"two keys, second pinned", "ab.asc", b, "holds 2 primary keys"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k, err := readPGPKey(testKey(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			err = checkPinned(k, normFingerprint(c.fpr))
			if (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("err = %v, want %q", err, c.wantErr)
			}
		})
	}
}

// FuzzReadPGPKey: bytes a host sends back (a fetched key, a keyring) never
// panic the reader, and a key it accepts has a fingerprint per primary key.
func FuzzReadPGPKey(f *testing.F) {
	for _, k := range []string{"a.asc", "a.gpg", "b.asc", "ab.asc"} {
		b, _ := os.ReadFile("testdata/aptkeys/" + k)
		f.Add(b)
	}
	f.Add([]byte{0xC6, 0xFF, 0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := readPGPKey(b)
		if err == nil && len(k.Fingerprints) == 0 {
			t.Fatal("accepted a key without a fingerprint")
		}
	})
}
