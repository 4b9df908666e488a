package api

import (
	"encoding/json"
	"strconv"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/subscription"
)

// decodeCollectionSettings reads a PATCH /settings/collection/ body
// (docs/billing.md#814-collection-settings).
func decodeCollectionSettings(o *input.Object) subscription.CollectionPatch {
	var p subscription.CollectionPatch
	if l, ok := o.List("retry_days", false); ok {
		days := make([]int, 0, len(l))
		for _, v := range l {
			n, isNum := v.(json.Number)
			d, err := strconv.Atoi(string(n))
			if !isNum || err != nil {
				o.Fail("retry_days", "Each retry day must be a whole number of days.")
				break
			}
			days = append(days, d)
		}
		if !o.Failed("retry_days") {
			p.RetryDays = &days
		}
	}
	if v, ok := o.Choice("final_action", false, subscription.FinalActions...); ok {
		p.FinalAction = &v
	}
	if v, ok := o.Bool("portal_cancel_subscriptions", false); ok {
		p.PortalCancelSubscriptions = &v
	}
	if !o.OK() {
		p.Errs = &apperr.Fields{}
		for k, v := range o.Errors() {
			p.Errs.Nest(k, v)
		}
	}
	return p
}
