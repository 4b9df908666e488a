package supplier_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/cobrobilling/cobro/internal/workspace"
)

func scopeOf(t *testing.T, e *apitest.Env, c *apitest.Client) workspace.Scope {
	t.Helper()
	ws, err := workspace.ByID(context.Background(), e.DB, c.Workspace)
	if err != nil {
		t.Fatal(err)
	}
	return workspace.Scope{Workspace: ws, TestMode: c.TestMode}
}

func TestRefAndSummaries(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		c := e.Workspace("US")
		other := e.Workspace("US")
		a := apitest.Str(c.Post("/suppliers/", map[string]any{"name": "A", "country": "US"}).Expect(201), "id")
		b := apitest.Str(c.Post("/suppliers/", map[string]any{"name": "B", "country": "US"}).Expect(201), "id")
		tst := apitest.Str(c.Test().Post("/suppliers/", map[string]any{"name": "T", "country": "US"}).Expect(201), "id")
		sc := scopeOf(t, e, c)

		for _, lock := range []bool{false, true} {
			s, msg, err := supplier.Ref(ctx, e.DB, e.DB.Dialect, sc, a, lock)
			if err != nil || msg != "" || s == nil || s.Name != "A" {
				t.Errorf("Ref(a, %v) = %v, %q, %v", lock, s, msg, err)
			}
		}
		for _, bad := range []string{tst, "sup_unknown00000000000", "cus_unknown00000000000", "x"} {
			s, msg, err := supplier.Ref(ctx, e.DB, e.DB.Dialect, sc, bad, false)
			if want := `Invalid pk "` + bad + `" - object does not exist.`; err != nil || s != nil || msg != want {
				t.Errorf("Ref(%s) = %v, %q, %v", bad, s, msg, err)
			}
		}
		if _, msg, _ := supplier.Ref(ctx, e.DB, e.DB.Dialect, scopeOf(t, e, other), a, false); msg == "" {
			t.Error("Ref from another workspace found the supplier")
		}

		got, err := supplier.Summaries(ctx, e.DB, sc, []string{a, b, a, tst, "bogus"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[a].Name != "A" || got[b].Name != "B" || got[a].Currency != "USD" {
			t.Errorf("Summaries: %v", got)
		}
		if got, err := supplier.Summaries(ctx, e.DB, sc, nil); err != nil || len(got) != 0 {
			t.Errorf("Summaries(nil) = %v, %v", got, err)
		}
	})
}

// docs/procurement.md#13-errors "DELETE with documents", through Deps.ReferencedBy:
// a stand-in for the documents check counts a supplier named "Has
// Documents" as referenced.
func TestDeleteRefusedWithActivity(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		c := e.Workspace("US")
		sc := scopeOf(t, e, c)
		svc := supplier.NewService(supplier.Deps{ReferencedBy: []string{`SELECT 1 FROM suppliers WHERE id = $1 AND name = 'Has Documents'`}})
		busy := apitest.Str(c.Post("/suppliers/", map[string]any{"name": "Has Documents", "country": "US"}).Expect(201), "id")
		err := svc.Delete(ctx, e.DB, e.DB.Dialect, sc, busy, e.Clock.Now())
		if err == nil || !strings.Contains(err.Error(), "Suppliers with documents cannot be deleted.") {
			t.Errorf("DELETE busy: %v", err)
		}
		c.Get("/suppliers/" + busy + "/").Expect(200)
		free := apitest.Str(c.Post("/suppliers/", map[string]any{"name": "Free", "country": "US"}).Expect(201), "id")
		if err := svc.Delete(ctx, e.DB, e.DB.Dialect, sc, free, e.Clock.Now()); err != nil {
			t.Errorf("DELETE free: %v", err)
		}
		c.Get("/suppliers/" + free + "/").Expect(404)
	})
}
