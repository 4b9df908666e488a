package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Adapter is one payment processor Cobro can use. A gateway package
// (internal/gateway/transbank, internal/gateway/stripe) provides one and
// the composition root (internal/app) registers it; the payments code
// never names a processor (docs/payments.md#1-gateways).
type Adapter interface {
	Info() Info
	// Settings is the typed schema of the credentials a workspace gives
	// with PATCH /providers/{id}/ (nil: the gateway needs none).
	Settings() []Setting
	// Defaults are the credentials used while the workspace gave none
	// (Transbank's published integration keys in test mode); ok false:
	// the gateway is not configured until the workspace gives its own.
	Defaults(testMode bool) (c Credentials, ok bool)
	// Bind returns the gateway acting with one workspace's credentials in
	// one mode.
	Bind(c Credentials, testMode bool) Gateway
}

// Setting is one field of a gateway's credentials.
type Setting struct {
	Name string `json:"name"`
	// Secret values are sealed at rest and never returned or logged.
	Secret   bool     `json:"secret"`
	Required bool     `json:"required"`
	Choices  []string `json:"choices,omitempty"`
	// Default is the value when none was given ("" for none).
	Default string `json:"default,omitempty"`
	// Check tells what is wrong with a value ("" when fine); nil: any
	// non-empty string up to 256 characters.
	Check func(v string) string `json:"-"`
}

// Credentials are a workspace's settings of one gateway in one mode, by
// Setting name, secrets included (only ever in memory unsealed).
type Credentials map[string]string

// Registry holds the installed adapters and the workspaces' sealed
// credentials for them. Built once by the composition root.
type Registry struct {
	adapters map[string]Adapter
	sealer   *store.Sealer
}

// sealPurpose derives the key of gateway credentials from the server
// secret (never the key of the SII's secrets).
const sealPurpose = "cobro/gateways/seal/v1"

// NewRegistry installs the adapters; secret seals their credentials. Two
// adapters with one id are a wiring mistake of the composition root: it
// panics at start.
func NewRegistry(secret []byte, adapters ...Adapter) *Registry {
	s, err := store.NewSealer(secret, sealPurpose)
	if err != nil {
		panic(err) // AES-256-GCM with a 32-byte key cannot fail
	}
	r := &Registry{adapters: map[string]Adapter{}, sealer: s}
	for _, a := range adapters {
		id := a.Info().ID
		if _, dup := r.adapters[id]; dup {
			panic(fmt.Sprintf("gateway %q registered twice", id))
		}
		r.adapters[id] = a
	}
	return r
}

// BuiltIn are the adapters Cobro always ships: the `test` card gateway and
// `manual`.
func BuiltIn() []Adapter { return []Adapter{Test{}, Manual{}} }

// Adapter returns an installed adapter by id.
func (r *Registry) Adapter(id string) (Adapter, bool) {
	a, ok := r.adapters[id]
	return a, ok
}

// Infos lists the installed gateways by id.
func (r *Registry) Infos() []Info {
	out := make([]Info, 0, len(r.adapters))
	for _, a := range r.adapters {
		out = append(out, a.Info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ErrNotConfigured: the gateway needs credentials the workspace has not
// given in this mode.
var ErrNotConfigured = errors.New("gateway not configured")

// Open returns the gateway id bound to the scope's credentials:
// ErrNotConfigured when it has none, an error wrapping "not installed"
// when no adapter has the id.
func (r *Registry) Open(ctx context.Context, q store.Querier, sc workspace.Scope, id string) (Gateway, error) {
	a, ok := r.adapters[id]
	if !ok {
		return nil, fmt.Errorf("gateway %q is not installed", id)
	}
	acct, err := r.account(ctx, q, sc, a, false)
	if err != nil {
		return nil, err
	}
	if acct.creds == nil {
		return nil, ErrNotConfigured
	}
	return a.Bind(acct.creds, sc.TestMode), nil
}

// Usable is the gateway id for a new source, link or payment in the
// scope's mode, or the field message that refuses it.
func (r *Registry) Usable(ctx context.Context, q store.Querier, sc workspace.Scope, id string) (Gateway, string, error) {
	a, ok := r.adapters[id]
	switch {
	case !ok:
		return nil, apperr.MsgPK(id), nil
	case !a.Info().AllowsMode(sc.TestMode):
		return nil, fmt.Sprintf("The %s gateway is only available in test mode.", id), nil
	}
	g, err := r.Open(ctx, q, sc, id)
	if errors.Is(err, ErrNotConfigured) {
		return nil, fmt.Sprintf("The %s gateway is not configured in this mode: set its credentials with PATCH /providers/%s/.", id, id), nil
	}
	return g, "", err
}

// DefaultCard is the card gateway payment links and charges use when
// they name none (docs/payments.md#14-choosing-the-gateway): the
// workspace's default when it is a configured card gateway of the mode;
// else, in test mode, the `test` gateway; else the only configured card
// gateway. msg says why there is no choice ("" when id is set).
func (r *Registry) DefaultCard(ctx context.Context, q store.Querier, sc workspace.Scope) (id, msg string, err error) {
	return r.DefaultCardFor(ctx, q, sc, "")
}

// DefaultCardFor is DefaultCard among the card gateways that support a
// usage ("reusable": the customer portal saves cards, so Webpay Plus,
// single-use only, is passed over for Oneclick); "" is any usage.
func (r *Registry) DefaultCardFor(ctx context.Context, q store.Querier, sc workspace.Scope, usage string) (id, msg string, err error) {
	ps, err := r.Providers(ctx, q, sc)
	if err != nil {
		return "", "", err
	}
	var usable []string
	for _, p := range ps {
		if p.Kind != "card" || !p.Configured || !p.AllowsMode(sc.TestMode) || usage != "" && !slices.Contains(p.Usage, usage) {
			continue
		}
		if p.Default {
			return p.ID, "", nil
		}
		usable = append(usable, p.ID)
	}
	switch {
	case sc.TestMode && slices.Contains(usable, "test"):
		return "test", "", nil
	case len(usable) == 1:
		return usable[0], "", nil
	case len(usable) == 0:
		return "", "No card gateway is configured in this mode: set one's credentials with PATCH /providers/{id}/.", nil
	}
	return "", fmt.Sprintf("Several card gateways are configured (%s): name one, or choose the default with PATCH /providers/{id}/ {\"default\": true}.",
		strings.Join(usable, ", ")), nil
}
