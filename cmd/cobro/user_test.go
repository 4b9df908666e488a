package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// TestUserPassword: init --password sets a dashboard password it never
// echoes; user password replaces it (generated and printed without
// --password); a short one is refused as bad usage.
func TestUserPassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cli.db")
	db := "sqlite:" + path
	code, out, errs := runCmd(t, "init", "--db", db, "--email", "Ana@Andes.cl", "--password", "correct horse battery")
	if code != 0 || strings.Contains(out, "correct horse") {
		t.Fatalf("init: %d %q %s", code, out, errs)
	}
	var created map[string]string
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(created) != 3 {
		t.Fatalf("init output %q", out)
	}
	signIn := func(email, password string) bool {
		t.Helper()
		s, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		u, err := workspace.SignIn(context.Background(), s, email, password)
		return err == nil && u.ID == created["user"]
	}
	if !signIn("ana@andes.cl", "correct horse battery") || signIn("ana@andes.cl", "correct horse batterY") {
		t.Fatal("init --password: sign-in does not match the password")
	}
	code, out, errs = runCmd(t, "user", "password", "--db", db, "--user", created["user"])
	var set map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &set) != nil || len(set["password"]) != 20 {
		t.Fatalf("user password: %d %q %s", code, out, errs)
	}
	if signIn("ana@andes.cl", "correct horse battery") || !signIn("ana@andes.cl", set["password"]) {
		t.Fatal("user password: the old password still works or the new one does not")
	}
	if code, _, errs := runCmd(t, "user", "password", "--db", db, "--user", created["user"], "--password", "short"); code != 2 || !strings.Contains(errs, "at least 10") {
		t.Fatalf("short password: %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, "user", "password", "--db", db, "--user", "usr_nope", "--password", "long enough pass"); code != 1 || !strings.Contains(errs, "not found") {
		t.Fatalf("unknown user: %d %s", code, errs)
	}
	if code, _, _ := runCmd(t, "init", "--db", db, "--password", "long enough pass"); code != 2 {
		t.Fatalf("--password without --email: %d", code)
	}
}
