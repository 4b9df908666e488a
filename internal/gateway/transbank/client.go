// Package transbank is the Transbank gateway (docs/payments.md#16-transbank):
// Webpay Plus for one-off payments through Transbank's payment page and
// Oneclick Mall for saved cards, over Transbank's REST API (JSON, the
// commerce code and API key in the Tbk-Api-Key-Id / Tbk-Api-Key-Secret
// headers). The paths and fields follow Transbank's published REST
// reference (Webpay Plus and Oneclick Mall, API v1.2).
package transbank

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Hosts of Transbank's environments.
const (
	IntegrationHost = "https://webpay3gint.transbank.cl"
	ProductionHost  = "https://webpay3g.transbank.cl"
)

// API roots of the two products.
const (
	webpayRoot   = "/rswebpaytransaction/api/webpay/v1.2"
	oneclickRoot = "/rswebpaytransaction/api/oneclick/v1.2"
)

// Integration credentials Transbank publishes for its integration
// environment: they work out of the box in test mode.
const (
	IntegrationAPIKey            = "579B532A7440BB0C9079DED94D31EA1615BACEB56610332264630D42D0A36B1C"
	IntegrationWebpayPlus        = "597055555532"
	IntegrationOneclickMall      = "597055555541"
	IntegrationOneclickChild     = "597055555542"
	integrationEnvironment       = "integration"
	productionEnvironment        = "production"
	requestTimeout               = 30 * time.Second
	maxBuyOrder                  = 26
	maxResponseBody              = 1 << 20
	authorized                   = "AUTHORIZED"
	responseApproved         int = 0
)

// client speaks Transbank's REST API for one commerce.
type client struct {
	host         string // scheme and host
	commerceCode string
	apiKey       string
	http         *http.Client
}

// apiError is an answer other than 2xx (Transbank's {"error_message": …}).
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("transbank: %d %s", e.Status, e.Message) }

// errTransport is a request that got no answer (timeout, connection).
var errTransport = errors.New("transbank: no answer")

// do sends one request; in is the JSON body (nil: none), out receives
// the JSON answer.
func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.host+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Tbk-Api-Key-Id", c.commerceCode)
	req.Header.Set("Tbk-Api-Key-Secret", c.apiKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", errTransport, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("%w: %v", errTransport, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		var e struct {
			ErrorMessage string `json:"error_message"`
		}
		_ = json.Unmarshal(raw, &e)
		return &apiError{Status: res.StatusCode, Message: e.ErrorMessage}
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// hostFor is the host of an environment, or the configured override
// (a local fake or a proxy, --transbank-base-url).
func hostFor(environment, override string) string {
	if override != "" {
		return strings.TrimRight(override, "/")
	}
	if environment == productionEnvironment {
		return ProductionHost
	}
	return IntegrationHost
}

// buyOrder shortens a Cobro reference to Transbank's 26 characters
// (Cobro's ids are shorter; the cut only guards the limit).
func buyOrder(ref string) string {
	if len(ref) > maxBuyOrder {
		return ref[len(ref)-maxBuyOrder:]
	}
	return ref
}

// last4 is the last four characters of a masked card number.
func last4(masked string) string {
	if len(masked) <= 4 {
		return masked
	}
	return masked[len(masked)-4:]
}
