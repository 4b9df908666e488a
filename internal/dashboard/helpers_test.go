package dashboard_test

import (
	"context"
	"net"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
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

// eachWith runs fn on SQLite and, when COBRO_TEST_DATABASE_URL is set,
// PostgreSQL, with the application's configuration adjusted first by
// what setup returns.
func eachWith(t *testing.T, setup func(t *testing.T) func(*app.Config), fn func(t *testing.T, e *apitest.Env)) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "postgres" && apitest.PostgresURL() == "" {
				t.Skip("COBRO_TEST_DATABASE_URL is not set: skipping the PostgreSQL half")
			}
			fn(t, apitest.NewWith(t, dialect, setup(t)))
		})
	}
}

// withSMTP is a configuration sending email to a fake SMTP server on a
// loopback socket.
func withSMTP(t *testing.T) (*mailtest.FakeSMTP, func(*app.Config)) {
	srv := mailtest.StartFakeSMTP(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	cfg, err := mail.Parse("smtp://" + host + ":" + port + "?from=billing@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	return srv, func(c *app.Config) { c.SMTP = cfg }
}

// smtpSetup is an eachWith setup that gives each database's run its own
// fake SMTP server, kept in *srv.
func smtpSetup(srv **mailtest.FakeSMTP) func(t *testing.T) func(*app.Config) {
	return func(t *testing.T) func(*app.Config) {
		var cfg func(*app.Config)
		*srv, cfg = withSMTP(t)
		return cfg
	}
}
