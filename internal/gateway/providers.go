package gateway

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Provider is a gateway as one workspace sees it in one mode
// (docs/payments.md#13-credentials): whether it is configured, its
// non-secret settings, and the names of the secrets it holds — never
// their values.
type Provider struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Kind  string   `json:"kind"`
	Usage []string `json:"usage"`
	Modes []string `json:"modes"`
	// Checkout is how a payer pays on the hosted page (Info.Checkout).
	Checkout string `json:"checkout"`
	// Configured: the gateway can be used in this mode (credentials
	// given, or published test credentials, or none needed).
	Configured bool `json:"configured"`
	// Default: the workspace chose it for payment links and charges that
	// name no gateway (docs/payments.md#14-choosing-the-gateway).
	Default bool `json:"default"`
	// Settings are the non-secret values in effect; Secrets the names of
	// the secret settings stored.
	Settings map[string]string `json:"settings"`
	Secrets  []string          `json:"secrets"`
	// Fields is the gateway's settings schema.
	Fields []Setting `json:"fields"`
}

// AllowsMode tells whether the gateway works in test or live mode.
func (p Provider) AllowsMode(testMode bool) bool { return p.info().AllowsMode(testMode) }

func (p Provider) info() Info {
	return Info{ID: p.ID, Name: p.Name, Kind: p.Kind, Usage: p.Usage, Modes: p.Modes, Checkout: p.Checkout}
}

// ProviderPatch is the command of PATCH /providers/{id}/: Values are the
// settings sent (nil clears one), Default the workspace default choice.
// Errs is what the edge could not decode.
type ProviderPatch struct {
	Values  map[string]*string
	Default *bool
	Errs    *apperr.Fields
}

// account is a workspace's stored row for one gateway and mode.
type account struct {
	stored    bool
	settings  map[string]string // non-secret
	secrets   map[string]string // unsealed
	isDefault bool
	// creds are the credentials in effect (nil: not configured).
	creds Credentials
}

func aad(sc workspace.Scope, gatewayID string) string {
	return fmt.Sprintf("%s/%v/%s", sc.ID, sc.TestMode, gatewayID)
}

// account reads the stored row of a and works out the credentials in effect.
func (r *Registry) account(ctx context.Context, q store.Querier, sc workspace.Scope, a Adapter, lock bool) (*account, error) {
	acct := &account{settings: map[string]string{}, secrets: map[string]string{}}
	var settings string
	var sealed []byte
	suffix := ""
	if lock {
		suffix = " FOR UPDATE"
	}
	err := q.QueryRowContext(ctx, `SELECT settings, secrets, is_default FROM gateway_accounts WHERE workspace_id = $1 AND test_mode = $2 AND gateway = $3`+suffix,
		sc.ID, sc.TestMode, a.Info().ID).Scan(&settings, &sealed, &acct.isDefault)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		acct.stored = true
		if err := r.unseal(acct, sc, a.Info().ID, settings, sealed); err != nil {
			return nil, err
		}
	}
	acct.creds = effective(a, acct, sc.TestMode)
	return acct, nil
}

func (r *Registry) unseal(acct *account, sc workspace.Scope, gatewayID, settings string, sealed []byte) error {
	if err := json.Unmarshal([]byte(settings), &acct.settings); err != nil {
		return err
	}
	if len(sealed) == 0 {
		return nil
	}
	plain, err := r.sealer.Open(sealed, aad(sc, gatewayID))
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, &acct.secrets)
}

// effective are the credentials in effect: none needed, the stored ones
// when complete, else the adapter's defaults for the mode.
func effective(a Adapter, acct *account, testMode bool) Credentials {
	fields := a.Settings()
	if len(fields) == 0 {
		return Credentials{}
	}
	if len(acct.settings)+len(acct.secrets) > 0 {
		c := Credentials{}
		for _, f := range fields {
			v, ok := acct.settings[f.Name]
			if f.Secret {
				v, ok = acct.secrets[f.Name]
			}
			if !ok && f.Default != "" {
				v, ok = f.Default, true
			}
			if ok {
				c[f.Name] = v
			} else if f.Required {
				return nil
			}
		}
		return c
	}
	if d, ok := a.Defaults(testMode); ok {
		return d
	}
	return nil
}

// view is the Provider of a with its account.
func view(a Adapter, acct *account, testMode bool) Provider {
	i := a.Info()
	p := Provider{ID: i.ID, Name: i.Name, Kind: i.Kind, Usage: i.Usage, Modes: i.Modes, Checkout: i.Checkout,
		Configured: acct.creds != nil && i.AllowsMode(testMode), Default: acct.isDefault,
		Settings: map[string]string{}, Secrets: []string{}, Fields: a.Settings()}
	if p.Fields == nil {
		p.Fields = []Setting{}
	}
	for _, f := range p.Fields {
		if f.Secret {
			if _, ok := acct.secrets[f.Name]; ok {
				p.Secrets = append(p.Secrets, f.Name)
			}
			continue
		}
		if v, ok := acct.creds[f.Name]; ok {
			p.Settings[f.Name] = v
		}
	}
	return p
}

// Providers lists every installed gateway as the scope sees it.
func (r *Registry) Providers(ctx context.Context, q store.Querier, sc workspace.Scope) ([]Provider, error) {
	out := make([]Provider, 0, len(r.adapters))
	for _, i := range r.Infos() {
		p, err := r.Provider(ctx, q, sc, i.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

// Provider returns one gateway as the scope sees it, or 404.
func (r *Registry) Provider(ctx context.Context, q store.Querier, sc workspace.Scope, id string) (*Provider, error) {
	a, ok := r.adapters[id]
	if !ok {
		return nil, apperr.NotFoundErr()
	}
	acct, err := r.account(ctx, q, sc, a, false)
	if err != nil {
		return nil, err
	}
	p := view(a, acct, sc.TestMode)
	return &p, nil
}

// Configure applies PATCH /providers/{id}/ (docs/payments.md#13-credentials):
// the settings are checked against the gateway's schema, secrets sealed.
func (r *Registry) Configure(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, id string, c ProviderPatch, now time.Time) (*Provider, error) {
	a, ok := r.adapters[id]
	if !ok {
		return nil, apperr.NotFoundErr()
	}
	if !a.Info().AllowsMode(sc.TestMode) {
		return nil, apperr.NonField(fmt.Sprintf("The %s gateway is only available in test mode.", id))
	}
	acct, err := r.account(ctx, q, sc, a, d.Postgres)
	if err != nil {
		return nil, err
	}
	errs := &apperr.Fields{}
	if c.Errs != nil {
		errs = c.Errs.Clone()
	}
	applyValues(a.Settings(), acct, c.Values, errs, id)
	if errs.OK() && len(c.Values) > 0 {
		acct.creds = effective(a, acct, sc.TestMode)
		requireComplete(a.Settings(), acct, errs)
	}
	if c.Default != nil && *c.Default && errs.OK() && acct.creds == nil {
		errs.Add("default", "Configure the gateway before making it the default.")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if c.Default != nil {
		acct.isDefault = *c.Default
	}
	if err := r.store(ctx, q, sc, id, acct, now); err != nil {
		return nil, err
	}
	return r.Provider(ctx, q, sc, id)
}

// applyValues checks each value sent and merges it into acct.
func applyValues(fields []Setting, acct *account, values map[string]*string, errs *apperr.Fields, id string) {
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		names = append(names, f.Name)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		i := slices.IndexFunc(fields, func(f Setting) bool { return f.Name == k })
		if i < 0 {
			if len(names) == 0 {
				errs.Add(k, fmt.Sprintf("The %s gateway takes no settings.", id))
			} else {
				errs.Add(k, fmt.Sprintf("Unknown setting of the %s gateway; expected one of: %s.", id, strings.Join(names, ", ")))
			}
			continue
		}
		f, v := fields[i], values[k]
		target := acct.settings
		if f.Secret {
			target = acct.secrets
		}
		if v == nil {
			delete(target, k)
			continue
		}
		if msg := checkValue(f, *v); msg != "" {
			errs.Add(k, msg)
			continue
		}
		target[k] = *v
	}
}

func checkValue(f Setting, v string) string {
	switch {
	case strings.TrimSpace(v) == "":
		return apperr.MsgBlank
	case len(f.Choices) > 0 && !slices.Contains(f.Choices, v):
		return apperr.MsgChoice(v)
	case f.Check != nil:
		return f.Check(v)
	case len(v) > 256:
		return apperr.MsgMaxLen(256)
	}
	return ""
}

// requireComplete: once any setting is stored, every required one is.
func requireComplete(fields []Setting, acct *account, errs *apperr.Fields) {
	if len(acct.settings)+len(acct.secrets) == 0 {
		return
	}
	for _, f := range fields {
		_, inSettings := acct.settings[f.Name]
		_, inSecrets := acct.secrets[f.Name]
		if f.Required && f.Default == "" && !inSettings && !inSecrets {
			errs.Add(f.Name, apperr.MsgRequired)
		}
	}
}

// store writes the account row; a default unsets the others of the scope.
func (r *Registry) store(ctx context.Context, q store.Querier, sc workspace.Scope, id string, acct *account, now time.Time) error {
	settings, err := json.Marshal(acct.settings)
	if err != nil {
		return err
	}
	var sealed []byte
	if len(acct.secrets) > 0 {
		plain, err := json.Marshal(acct.secrets)
		if err != nil {
			return err
		}
		if sealed, err = r.sealer.Seal(plain, aad(sc, id)); err != nil {
			return err
		}
	}
	if acct.isDefault {
		if _, err := q.ExecContext(ctx, `UPDATE gateway_accounts SET is_default = FALSE WHERE workspace_id = $1 AND test_mode = $2 AND gateway <> $3`,
			sc.ID, sc.TestMode, id); err != nil {
			return err
		}
	}
	_, err = q.ExecContext(ctx, `INSERT INTO gateway_accounts (workspace_id, test_mode, gateway, settings, secrets, is_default, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (workspace_id, test_mode, gateway) DO UPDATE SET settings = $4, secrets = $5, is_default = $6, updated = $7`,
		sc.ID, sc.TestMode, id, string(settings), sealed, acct.isDefault, now.UnixMicro())
	return err
}
