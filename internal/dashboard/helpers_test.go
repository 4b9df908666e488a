package dashboard_test

import (
	"context"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// withPassword gives the client's user a dashboard password.
func withPassword(t *testing.T, e *apitest.Env, c *apitest.Client, password string) *apitest.Client {
	t.Helper()
	if err := workspace.SetPassword(context.Background(), e.DB, c.User, password); err != nil {
		t.Fatal(err)
	}
	return c
}

func wantField(t *testing.T, m map[string]any, key, want string) {
	t.Helper()
	if got := apitest.Num(m[key]); got != want {
		t.Fatalf("%s = %q, want %q (%v)", key, got, want, m)
	}
}
