// Package app is Cobro's composition root: the one place that builds every
// service and hands each its collaborators. Domain packages declare what
// they need (small interfaces and Deps structs next to the code that calls
// them) and never install anything into each other; this file is where a
// reader finds every cross-package dependency. cmd/cobro and the tests'
// server helper (internal/apitest) both build the application here.
package app

import (
	"log/slog"
	"net/netip"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/dashboard"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/gateway/stripe"
	"github.com/cobrobilling/cobro/internal/gateway/transbank"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/portal"
	"github.com/cobrobilling/cobro/internal/reception"
	"github.com/cobrobilling/cobro/internal/reminder"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/cobrobilling/cobro/internal/webhook"
)

// Config is what the process gives the application.
type Config struct {
	DB        *store.DB
	Clock     clock.Clock
	Logger    *slog.Logger
	Version   string
	SecretKey []byte // seals stored secrets, signs local_file URLs
	// PublicURL is the fixed base URL of absolute links ("" = from each
	// request); MailBase the base of links in emails, which need one.
	PublicURL, MailBase string
	// SMTP sends invoices and reminders; nil: no email is sent.
	SMTP *mail.Config
	// SIIBaseURL replaces scheme and host of the SII's endpoints (a
	// `cobro sii sandbox` or a proxy; "" = the SII's own;
	// docs/tax-agency.md#91-which-endpoint).
	SIIBaseURL string
	// StripeBaseURL replaces Stripe's API for the stripe gateway
	// (stripe-mock, a proxy; "" = Stripe's own; docs/payments.md#17-stripe).
	StripeBaseURL string
	// AllowPrivateWebhooks lets live-mode endpoints target private
	// addresses (--allow-private-webhooks).
	AllowPrivateWebhooks bool
	// NoTestWebhooksLoopback refuses loopback endpoints in test mode too
	// (--test-webhooks-loopback=false, shared hosts).
	NoTestWebhooksLoopback bool
	// Resolver resolves webhook URLs (nil: the system's).
	Resolver webhook.Resolver
	// TrustedProxies are the peers whose X-Forwarded-* headers are believed.
	TrustedProxies []netip.Prefix
	// WebhookOutcome, when set, counts delivery attempts by outcome.
	WebhookOutcome func(result string)
	// Billers replaces tax-agency billers by name (tests' fake agencies).
	Billers biller.Set
	// Gateways are payment gateway adapters installed besides the
	// built-in ones (tests' extra adapters).
	Gateways []gateway.Adapter
	// TransbankBaseURL replaces the host of Transbank's endpoints (a local
	// fake or a proxy; "" = the host of each workspace's environment;
	// docs/payments.md#16-transbank).
	TransbankBaseURL string
	// Rate limits of the API (api.Options).
	RatePerToken, RateBurst, RatePublicPerMinute int
}

// App is the built application.
type App struct {
	// The domain work that depends on other packages.
	Documents     document.Deps
	Customers     *customer.Service
	Suppliers     *supplier.Service
	Subscriptions *subscription.Service
	Reminders     *reminder.Service
	// Outbox queues the emails Cobro sends on its own (finalized
	// documents, receipts, reminder rules, dunning).
	Outbox mail.Outbox
	// ReminderRules sends the reminders of the rules that fell due (the
	// scheduler of cobro serve).
	ReminderRules *reminder.RuleScheduler
	SII           *clsii.Biller
	Reception     *reception.Service
	Gateways      *gateway.Registry
	// Background work: one runner for every job kind.
	Jobs     *jobs.Runner
	Webhooks *webhook.Worker
	// Server is the HTTP API; it also serves the Dashboard's pages.
	Server    *api.Server
	Dashboard *dashboard.Dashboard
}

// New builds the application.
func New(cfg Config) *App {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{}

	// Customers and suppliers are read and archived knowing the tables
	// that reference them; documents sum their sales, payments list their
	// sources, subscriptions refuse archiving while live.
	a.Customers = customer.NewService(customer.Deps{
		Aggregations:  document.CustomerAggregations{},
		Sources:       payment.CustomerSources{},
		ReferencedBy:  concat([]string{document.ReferencesCustomer, subscription.ReferencesCustomer}, payment.ReferencesCustomer, paylink.ReferencesCustomer),
		ArchiveChecks: []customer.ArchiveCheck{subscription.ArchiveRule{}},
		ListFields:    []list.Field{payment.CustomerListField, subscription.CustomerListField},
		OrgunitUses:   []string{subscription.ReferencesOrgunit},
	})
	a.Suppliers = supplier.NewService(supplier.Deps{ReferencedBy: []string{document.ReferencesSupplier}})

	// Subscriptions bill through documents and charge through payments;
	// documents tell subscriptions of settled invoices, payments decide
	// whether a pending invoice may finalize, payment links continue an
	// intent when its card is authenticated.
	// Finalized documents go to their tax agency: the built-in Chile SII
	// biller (docs/tax-agency.md) unless the config replaces it.
	a.SII = clsii.New(cfg.SecretKey, clsii.Transport{BaseURL: cfg.SIIBaseURL})
	billers := biller.Set{catalog.BillerCLSII: a.SII}
	for name, b := range cfg.Billers {
		billers[name] = b
	}
	if _, replaced := cfg.Billers[catalog.BillerCLSII]; replaced {
		a.SII = nil
	}

	// Received DTEs are answered with the SII biller's certificate.
	a.Reception = &reception.Service{}
	if a.SII != nil {
		a.Reception.Signer, a.Reception.Register, a.Reception.Sealer = a.SII, a.SII, a.SII
	}

	// Payment gateways: the built-in test and manual gateways and the
	// processors' adapters, with the workspaces' sealed credentials
	// (docs/payments.md#1-gateways).
	adapters := append(gateway.BuiltIn(), transbank.Webpay{BaseURL: cfg.TransbankBaseURL}, transbank.Oneclick{BaseURL: cfg.TransbankBaseURL},
		stripe.Adapter{BaseURL: cfg.StripeBaseURL})
	a.Gateways = gateway.NewRegistry(cfg.SecretKey, append(adapters, cfg.Gateways...)...)

	// Emails (with an SMTP server): finalized documents and succeeded
	// payments are emailed through the outbox, which also serves reminder
	// rules and dunning.
	a.Outbox = mail.Outbox{Base: cfg.MailBase, Off: cfg.SMTP == nil}
	var mailer document.Mailer
	if cfg.SMTP != nil {
		mailer = a.Outbox
	}
	a.Subscriptions = &subscription.Service{}
	a.Documents = document.Deps{
		Gateways:  a.Gateways,
		Mail:      mailer,
		Customers: a.Customers,
		Billers:   billers,
		Settled:   a.Subscriptions,
		Pending:   payment.PendingRule{},
		Sources:   paylink.Sources{},
	}
	a.Subscriptions.Deps = subscription.Deps{
		Documents:    a.Documents,
		Payments:     payment.Subscriptions{},
		Retries:      payment.Subscriptions{},
		ClockCleanup: append(paylink.TestClockCleanup(), subscription.DunningClockCleanup...),
	}
	a.Reminders = &reminder.Service{}
	a.ReminderRules = &reminder.RuleScheduler{DB: cfg.DB, Mail: a.Outbox, Deps: a.Documents}
	if cfg.SMTP != nil { // reminders are emailed (run invoices: by Documents.Mail)
		a.Reminders.Mail = mail.Queue{}
	}
	// dunning emails are recorded (skipped without SMTP) like the others
	a.Subscriptions.Deps.DunningMail = mail.DunningOutbox{Outbox: a.Outbox, Portal: portal.Links{}}

	// The job runner: webhook deliveries, the Chile tax agency's answers
	// (a rejected run invoice puts its subscription in needs_attention),
	// payment expiries and emails.
	a.Webhooks = &webhook.Worker{DB: cfg.DB, Clock: cfg.Clock, Logger: cfg.Logger, AllowPrivate: cfg.AllowPrivateWebhooks,
		NoTestLoopback: cfg.NoTestWebhooksLoopback, Outcome: cfg.WebhookOutcome}
	a.Jobs = &jobs.Runner{DB: cfg.DB, Clock: cfg.Clock, Logger: cfg.Logger}
	a.Jobs.Add(a.Webhooks.Kind())
	a.Jobs.Add((&clsii.Worker{DB: cfg.DB, Biller: a.SII, Clock: cfg.Clock, Logger: cfg.Logger, Rejected: a.Subscriptions}).Kind())
	if a.SII != nil { // the SII's register of received facturas, and their acceptance deadlines
		for _, k := range (&reception.Worker{DB: cfg.DB, Register: a.SII, Clock: cfg.Clock, Logger: cfg.Logger, Deps: a.Documents}).Kinds() {
			a.Jobs.Add(k)
		}
		a.Jobs.Add((&reception.Poller{DB: cfg.DB, Service: a.Reception, Clock: cfg.Clock, Logger: cfg.Logger, Deps: a.Documents}).Kind())
	}
	a.Jobs.Add((&paylink.Expirer{DB: cfg.DB, Clock: cfg.Clock, Logger: cfg.Logger, Deps: a.Documents}).Kind())
	if cfg.SMTP != nil {
		a.Jobs.Add((&mail.Worker{DB: cfg.DB, SMTP: cfg.SMTP, Clock: cfg.Clock, Logger: cfg.Logger, Base: cfg.MailBase, Deps: a.Documents}).Kind())
		a.Jobs.Add((&reception.AnswerMailer{DB: cfg.DB, SMTP: cfg.SMTP, Clock: cfg.Clock, Logger: cfg.Logger}).Kind())
	}
	// Retries of failed automatic charges (docs/billing.md#813-dunning).
	a.Jobs.Add((&subscription.DunningWorker{DB: cfg.DB, Svc: a.Subscriptions, Clock: cfg.Clock, Logger: cfg.Logger}).Kind())

	// The merchant dashboard works through the API's routes in-process
	// (docs/dashboard.md), so it is given the server once it exists.
	a.Dashboard = dashboard.New(cfg.DB, cfg.Clock, cfg.Logger)
	if cfg.SMTP != nil { // the settings page sends a test message and invitations
		a.Dashboard.Mail = cfg.SMTP
		a.Jobs.Add(a.Dashboard.InviteKind())
	}
	a.Server = api.New(api.Options{DB: cfg.DB, Clock: cfg.Clock, Logger: cfg.Logger, PublicURL: cfg.PublicURL, Version: cfg.Version, SecretKey: cfg.SecretKey,
		Services: api.Services{Documents: a.Documents, Customers: a.Customers, Suppliers: a.Suppliers, Subscriptions: a.Subscriptions, Reminders: a.Reminders, SII: a.SII, Reception: a.Reception},
		Webhooks: a.Webhooks, Jobs: a.Jobs, Resolver: cfg.Resolver, AllowPrivateWebhooks: cfg.AllowPrivateWebhooks,
		NoTestWebhooksLoopback: cfg.NoTestWebhooksLoopback, TrustedProxies: cfg.TrustedProxies,
		RatePerToken: cfg.RatePerToken, RateBurst: cfg.RateBurst, RatePublicPerMinute: cfg.RatePublicPerMinute, Dashboard: a.Dashboard})
	a.Dashboard.API = a.Server
	return a
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
