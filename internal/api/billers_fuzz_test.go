package api_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
)

// FuzzBillerBodies: any body on the SII biller endpoints (settings,
// certificate, CAF upload and skip-ahead) is answered without a 500.
func FuzzBillerBodies(f *testing.F) {
	fe := newFuzzEnv(f)
	fe.c.Patch("/billers/built_in/", siiSettings()).Expect(200)
	caf := fakeCAF(f, siiRUT, 33, 1, 10, "2026-05-20")
	cafID := fe.c.Post("/billers/built_in/cafs/", map[string]any{"file": caf}).Expect(201)["id"].(string)
	raw, _ := base64.StdEncoding.DecodeString(caf)
	seeds := []string{
		`{"rut": "77.123.456-9", "activity_codes": [620100, "1", -3, 1.5], "branch_code": "12", "resolution_number": "x", "resolution_date": "2025-02-30"}`,
		`{"environment": 5, "email": "a@b", "city": null, "activity_codes": {"a": 1}}`,
		`{"file": "` + base64.StdEncoding.EncodeToString(sandboxP12(f)) + `", "password": "secreto"}`,
		`{"file": 5, "password": ["x"]}`, `{"file": "%%%"}`,
		`{"file": "` + caf + `"}`, `{"file": ` + quoteJSON(string(raw)) + `}`,
		`{"next_folio": 11}`, `{"next_folio": "99999999999999999999"}`, `{"next_folio": null}`,
		`[]`, `null`, `{"a":`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	targets := []struct{ method, path string }{
		{"PATCH", "/billers/built_in/"}, {"PUT", "/billers/built_in/"}, {"POST", "/billers/built_in/certificate/"},
		{"POST", "/billers/built_in/cafs/"}, {"PATCH", "/billers/built_in/cafs/" + cafID + "/"},
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		tg := targets[int(which)%len(targets)]
		rec := fe.serve(tg.method, tg.path, body)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q → %d %s", tg.method, tg.path, body, rec.Code, rec.Body)
		}
	})
}

func quoteJSON(s string) string {
	out := []byte{'"'}
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			out = append(out, '\\', byte(r))
		case r == '\n':
			out = append(out, '\\', 'n')
		case r < 0x20:
			out = append(out, []byte("\\u00")...)
			out = append(out, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&15])
		default:
			out = append(out, string(r)...)
		}
	}
	return string(append(out, '"'))
}

// FuzzBillerUploads: any file bytes uploaded as a certificate (with any
// password) or as a CAF, in live or test mode, are answered without a 500.
// It drives the PKCS#12 and CAF parsers through the upload endpoints,
// seeded with valid files and the attacks of issue 13.
func FuzzBillerUploads(f *testing.F) {
	fe := newFuzzEnv(f)
	fe.c.Patch("/billers/built_in/", siiSettings()).Expect(200)
	fe.c.Test().Patch("/billers/built_in/", siiSettings()).Expect(200)
	p12 := sandboxP12(f)
	caf, _ := base64.StdEncoding.DecodeString(fakeCAF(f, siiRUT, 33, 1, 10, "2026-05-20"))
	n := randomOdd(f, 2048)
	fakeKey, _ := base64.StdEncoding.DecodeString(cafWithKey(n, multiPrimeKeyPEM(f, n)))
	f.Add(uint8(0), p12, "secreto")
	f.Add(uint8(2), withMACIterations(f, p12, 150_000_000), "secreto")
	f.Add(uint8(1), caf, "")
	f.Add(uint8(3), caf, "")
	f.Add(uint8(1), fakeKey, "")
	f.Add(uint8(0), []byte{0x30, 0x03, 0x02, 0x01, 0x03}, "")
	f.Fuzz(func(t *testing.T, which uint8, file []byte, password string) {
		path := "/billers/built_in/certificate/"
		if which&1 == 1 {
			path = "/billers/built_in/cafs/"
		}
		body, _ := json.Marshal(map[string]any{"file": base64.StdEncoding.EncodeToString(file), "password": password})
		rec := fe.serveMode(which&2 == 2, "POST", path, string(body))
		if rec.Code >= 500 {
			t.Fatalf("%s %x → %d %s", path, file, rec.Code, rec.Body)
		}
	})
}
