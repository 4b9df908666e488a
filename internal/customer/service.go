package customer

import (
	"context"

	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Deps are what the customer work needs from the packages built on it
// (documents, payments, subscriptions, payment links), which customer
// cannot import. The composition root (internal/app) fills them.
type Deps struct {
	// Aggregations fills each customer's sales and balance (documents).
	Aggregations Aggregator
	// Sources fills each customer's reusable chargeable sources (payments).
	Sources SourceFiller
	// ReferencedBy are queries "SELECT 1 FROM t WHERE customer_id = $1":
	// a customer any of them finds is archived by DELETE, not destroyed.
	ReferencedBy []string
	// ArchiveChecks can refuse archiving (live subscriptions).
	ArchiveChecks []ArchiveCheck
	// ListFields are filters of the customer list over other tables
	// (subscriptions, sources).
	ListFields []list.Field
	// OrgunitUses are queries "SELECT 1 FROM t WHERE orgunit_id = $1": an
	// orgunit any of them finds cannot be deleted.
	OrgunitUses []string
}

// Aggregator fills Aggregations.
type Aggregator interface {
	Aggregate(ctx context.Context, q store.Querier, sc workspace.Scope, cs []*Customer) error
}

// SourceFiller fills Sources.
type SourceFiller interface {
	FillSources(ctx context.Context, q store.Querier, sc workspace.Scope, cs []*Customer) error
}

// ArchiveCheck refuses archiving a customer with an error, or allows it.
type ArchiveCheck interface {
	CheckArchivable(ctx context.Context, q store.Querier, customerID string) error
}

// Service is the customer work that depends on other packages: reads with
// aggregations and sources, archiving and deletion. A nil *Service works
// with no dependencies (unit tests).
type Service struct {
	deps     Deps
	listSpec list.Spec
}

// NewService builds the customer work on its dependencies.
func NewService(d Deps) *Service {
	spec := baseListSpec
	spec.Fields = append(append([]list.Field(nil), baseListSpec.Fields...), d.ListFields...)
	return &Service{deps: d, listSpec: spec}
}

// ListSpec declares the customer list (docs/billing.md#16-list) with the
// filters of the other packages.
func (s *Service) ListSpec() *list.Spec {
	if s == nil {
		spec := baseListSpec
		return &spec
	}
	return &s.listSpec
}
