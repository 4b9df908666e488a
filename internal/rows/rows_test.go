package rows

import (
	"errors"
	"testing"

	"github.com/cobrobilling/cobro/internal/apperr"
)

type thing struct {
	ref, got string
	archived bool
}

func TestExpandFetchesOnceAndSetsFound(t *testing.T) {
	items := []*thing{{ref: "a"}, {ref: ""}, {ref: "b"}, {ref: "a"}}
	calls := 0
	err := Expand(items, func(x *thing) (string, bool) { return x.ref, x.ref != "" },
		func(ids []string) (map[string]string, error) {
			calls++
			if len(ids) != 3 {
				t.Errorf("ids %v, want the three references", ids)
			}
			return map[string]string{"a": "A"}, nil
		},
		func(x *thing, v string) { x.got = v })
	if err != nil || calls != 1 {
		t.Fatalf("err %v, %d fetches", err, calls)
	}
	if items[0].got != "A" || items[3].got != "A" || items[1].got != "" || items[2].got != "" {
		t.Errorf("expanded %+v %+v %+v %+v", *items[0], *items[1], *items[2], *items[3])
	}
}

func TestExpandPassesFetchErrors(t *testing.T) {
	boom := errors.New("boom")
	err := Expand([]*thing{{ref: "a"}}, func(x *thing) (string, bool) { return x.ref, true },
		func([]string) (map[string]string, error) { return nil, boom }, func(*thing, string) {})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
}

func TestRefMessages(t *testing.T) {
	archived := func(x *thing) bool { return x.archived }
	if _, msg, err := Ref[*thing](nil, apperr.NotFoundErr(), "pla_x", "Plan", archived); err != nil || msg != `Invalid pk "pla_x" - object does not exist.` {
		t.Errorf("missing: %q %v", msg, err)
	}
	if _, msg, err := Ref(&thing{archived: true}, nil, "pla_x", "Plan", archived); err != nil || msg != "Plan is archived." {
		t.Errorf("archived: %q %v", msg, err)
	}
	if v, msg, err := Ref(&thing{ref: "ok"}, nil, "pla_x", "Plan", archived); err != nil || msg != "" || v.ref != "ok" {
		t.Errorf("usable: %q %v", msg, err)
	}
	boom := errors.New("boom")
	if _, _, err := Ref[*thing](nil, boom, "pla_x", "Plan", archived); !errors.Is(err, boom) {
		t.Errorf("other errors pass: %v", err)
	}
}

func TestTableScopeClauses(t *testing.T) {
	plain := Table{Name: "plans", Prefix: "pla", Columns: "id"}
	if got := plain.From(); got != " FROM plans WHERE workspace_id = $1 AND test_mode = $2" {
		t.Errorf("From: %s", got)
	}
	aliased := Table{Name: "subscriptions s", Alias: "s", Prefix: "sub", Columns: "s.id"}
	if got := aliased.From(); got != " FROM subscriptions s WHERE s.workspace_id = $1 AND s.test_mode = $2" {
		t.Errorf("From aliased: %s", got)
	}
}
