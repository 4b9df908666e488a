package decode

import (
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/reception"
)

// Mailbox decodes the body that sets the exchange mailbox
// (docs/procurement.md#67-exchange-mailbox; PUT and PATCH alike are partial).
func Mailbox(body map[string]any) *reception.MailboxPatch {
	o := input.New(body, true)
	p := &reception.MailboxPatch{}
	for _, f := range []struct {
		key string
		max int
		dst **string
	}{{"host", 255, &p.Host}, {"username", 255, &p.Username}, {"password", 255, &p.Password}, {"folder", 100, &p.Folder}} {
		if v, ok := o.String(f.key, input.StrOpt{Required: true, Max: f.max}); ok {
			*f.dst = v
		}
	}
	if v, ok := IntField(o, "port", false); ok {
		p.Port = v
	}
	if o.Has("enabled") {
		if v, ok := o.Bool("enabled", true); ok {
			p.Enabled = &v
		}
	}
	p.Errs = errsOf(o)
	return p
}
