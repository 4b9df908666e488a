package document

import (
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/supplier"
)

var (
	statusChoices = []string{StatusDraft, StatusPending, StatusFinalized, StatusPaid, StatusUncollectible, StatusCancelled}
	billerChoices = []string{"pending", "queued", "processing", "succeeded", "failed"}
	numberLookups = append([]string{list.In, list.IsNull}, list.Ranges...)
	search        = []string{"CAST(d.number AS TEXT)", "c.name", "c.tax_id", "d.line_names"}
)

// searchIndex serves the documents' searches (migration 00023): the
// documents' searched columns and their customers' names and tax ids.
var searchIndex = &list.SearchIndex{Table: "documents", Alias: "d", Scope: "workspace_id = $1 AND test_mode = $2", FTS: "documents_search",
	Columns: map[string]string{"CAST(d.number AS TEXT)": "number", "d.line_names": "line_names", "d.carrier_name": "carrier_name", "d.licence_plate": "licence_plate"},
	Refs:    []list.SearchRef{{Key: "customer_id", Table: "customers", FTS: "customers_search", Columns: map[string]string{"c.name": "name", "c.tax_id": "tax_id"}}}}

func commonFields() []list.Field {
	return []list.Field{
		{Name: "customer", Expr: "d.customer_id", Lookups: []string{list.In}},
		{Name: "status", Expr: "d.status", Kind: list.Enum, Choices: statusChoices, Lookups: []string{list.In}},
		{Name: "document", Expr: "d.document_type", Lookups: []string{list.In}},
		{Name: "number", Expr: "d.number", Kind: list.Int, Lookups: numberLookups},
		{Name: "date", Expr: "d.date", Kind: list.Date, Lookups: list.Ranges},
		{Name: "biller_status", Expr: "d.biller_status", Kind: list.Enum, Choices: billerChoices, Lookups: []string{list.In}},
		{Name: "created", Expr: "d.created", Kind: list.DateTime, Lookups: list.Ranges},
	}
}

// Specs declares each kind's list (docs/documents.md#17-list, docs/documents.md#23-create-body-and-rules, docs/documents.md#33-create-body-and-rules, docs/documents.md#43-create-body).
var Specs = map[*Kind]*list.Spec{}

func init() {
	inv := commonFields()
	inv = append(inv,
		list.Field{Name: "due_date", Expr: "d.due_date", Kind: list.Date, Lookups: append([]string{list.IsNull}, list.Ranges...)},
		list.Field{Name: "collection_method", Expr: "d.collection_method", Kind: list.Enum, Choices: []string{"deferred", "deferred_dues", "automatically"}, Lookups: []string{list.In}},
		list.Field{Name: "subscription", Expr: "d.subscription_id", Lookups: []string{list.IsNull}},
		list.Field{Name: "currency", Expr: "d.currency", Lookups: []string{list.In}},
		list.Field{Name: "total", Expr: "d.total", Kind: list.Decimal, Lookups: list.Ranges},
		list.Field{Name: "imported", Expr: "d.imported", Kind: list.Bool},
	)
	Specs[Invoice] = &list.Spec{Fields: inv, DefaultOrdering: "-created", Search: search, SearchIndex: searchIndex, Metadata: "d.metadata", IDExpr: "d.id",
		Ordering: map[string]string{"date": "d.date", "due_date": "d.due_date", "number": "d.number", "total": numericTotal, "created": "d.created"}}

	crn := append(commonFields(), list.Field{Name: "invoice", Expr: "d.invoice_id", Lookups: []string{list.In}})
	Specs[CreditNote] = &list.Spec{Fields: crn, DefaultOrdering: "-created", Search: search[:2], SearchIndex: searchIndex, Metadata: "d.metadata", IDExpr: "d.id",
		Ordering: map[string]string{"date": "d.date", "number": "d.number", "created": "d.created"}}

	dbn := append(commonFields(),
		list.Field{Name: "invoice", Expr: "d.invoice_id", Lookups: []string{list.In}},
		list.Field{Name: "credit_note", Expr: "d.credit_note_id", Lookups: []string{list.In, list.IsNull}})
	Specs[DebitNote] = &list.Spec{Fields: dbn, DefaultOrdering: "-created", Search: search[:2], SearchIndex: searchIndex, Metadata: "d.metadata", IDExpr: "d.id",
		Ordering: map[string]string{"date": "d.date", "number": "d.number", "created": "d.created"}}

	ord := append(commonFields(), list.Field{Name: "shipping_type", Expr: "d.shipping_type", Kind: list.Enum,
		Choices: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, Lookups: []string{list.In}})
	pur := []list.Field{
		{Name: "supplier", Expr: "d.supplier_id", Lookups: []string{list.In}},
		{Name: "status", Expr: "d.status", Kind: list.Enum, Choices: statusChoices, Lookups: []string{list.In}},
		{Name: "document", Expr: "d.document_type", Lookups: []string{list.In}},
		{Name: "number", Expr: "d.number", Kind: list.Int, Lookups: numberLookups},
		{Name: "date", Expr: "d.date", Kind: list.Date, Lookups: list.Ranges},
		{Name: "due_date", Expr: "d.due_date", Kind: list.Date, Lookups: append([]string{list.IsNull}, list.Ranges...)},
		{Name: "imported", Expr: "d.imported", Kind: list.Bool},
		{Name: "biller_status", Expr: "d.biller_status", Kind: list.Enum, Choices: billerChoices, Lookups: []string{list.In}},
		{Name: "total", Expr: "d.total", Kind: list.Decimal, Lookups: list.Ranges},
		{Name: "created", Expr: "d.created", Kind: list.DateTime, Lookups: list.Ranges},
	}
	purSearch := []string{"CAST(d.number AS TEXT)", "s.name", "s.tax_id"}
	Specs[Purchase] = &list.Spec{Fields: pur, DefaultOrdering: "-created", Search: purSearch, Metadata: "d.metadata", IDExpr: "d.id",
		Ordering: map[string]string{"date": "d.date", "number": "d.number", "total": numericTotal, "created": "d.created"}}
	pcn := []list.Field{
		{Name: "purchase", Expr: "d.purchase_id", Lookups: []string{list.In}},
		{Name: "supplier", Expr: "d.supplier_id"},
		{Name: "status", Expr: "d.status", Kind: list.Enum, Choices: statusChoices, Lookups: []string{list.In}},
		{Name: "document", Expr: "d.document_type", Lookups: []string{list.In}},
		{Name: "number", Expr: "d.number", Kind: list.Int, Lookups: numberLookups},
		{Name: "date", Expr: "d.date", Kind: list.Date, Lookups: list.Ranges},
		{Name: "created", Expr: "d.created", Kind: list.DateTime, Lookups: list.Ranges},
	}
	Specs[PurchaseCreditNote] = &list.Spec{Fields: pcn, DefaultOrdering: "-created", Search: purSearch[:2], Metadata: "d.metadata", IDExpr: "d.id",
		Ordering: map[string]string{"date": "d.date", "number": "d.number", "created": "d.created"}}

	ret := []list.Field{
		{Name: "supplier", Expr: "d.supplier_id", Lookups: []string{list.In}},
		{Name: "purchase", Expr: "d.purchase_id"},
		{Name: "document", Expr: "d.document_type", Lookups: []string{list.In}},
		{Name: "number", Expr: "d.number", Kind: list.Int, Lookups: numberLookups},
		{Name: "date", Expr: "d.date", Kind: list.Date, Lookups: list.Ranges},
		{Name: "total", Expr: "d.total", Kind: list.Decimal, Lookups: list.Ranges},
		{Name: "status", Expr: "d.status", Kind: list.Enum, Choices: statusChoices, Lookups: []string{list.In}},
		{Name: "bulk", Expr: "NULL", Lookups: []string{list.IsNull}}, // bulks are not provided: always null
		{Name: "created", Expr: "d.created", Kind: list.DateTime, Lookups: list.Ranges},
	}
	Specs[Retention] = &list.Spec{Fields: ret, DefaultOrdering: "-created", Search: purSearch[:2], Metadata: "d.metadata", IDExpr: "d.id",
		Ordering: map[string]string{"date": "d.date", "number": "d.number", "total": numericTotal, "created": "d.created"}}

	Specs[Order] = &list.Spec{Fields: ord, DefaultOrdering: "-created", Search: []string{"CAST(d.number AS TEXT)", "c.name", "d.carrier_name", "d.licence_plate"}, SearchIndex: searchIndex,
		IDExpr: "d.id", Ordering: map[string]string{"date": "d.date", "number": "d.number", "created": "d.created"}}
}

// numericTotal orders by amount on both databases (SQLite keeps decimal text).
const numericTotal = "CAST(d.total AS NUMERIC)"

// List returns one page of documents of kind k.
func List(e Env, k *Kind, lq *list.Query) (int, []*Doc, error) {
	from := ` FROM documents d LEFT JOIN customers c ON c.id = d.customer_id`
	if k.Buying {
		from = ` FROM documents d LEFT JOIN suppliers s ON s.id = d.supplier_id`
	}
	from += ` WHERE d.workspace_id = $1 AND d.test_mode = $2 AND d.kind = $3`
	return list.Fetch(e.Ctx, e.Q, lq, columns, from, []any{e.Scope.ID, e.Scope.TestMode, k.Name},
		func(row list.Scanner) (*Doc, error) { return scanDoc(row) })
}

// Render loads the customers and suppliers of docs and returns a renderer
// for them.
func Render(e Env, fileURL func(string) string, docs ...*Doc) (*Renderer, error) {
	var cids, sids, invoices []string
	for _, d := range docs {
		if d.Kind == Invoice.Name {
			invoices = append(invoices, d.ID)
		}
		if d.CustomerID != "" {
			cids = append(cids, d.CustomerID)
		}
		if d.SupplierID != "" {
			sids = append(sids, d.SupplierID)
		}
	}
	r := &Renderer{Loc: e.Scope.Loc, FileURL: fileURL}
	var err error
	if len(cids) > 0 {
		if r.Customers, err = e.Deps.Customers.Summaries(clock.WithNow(e.Ctx, e.Now), e.Q, e.Scope, cids); err != nil {
			return nil, err
		}
	}
	if len(sids) > 0 {
		if r.Suppliers, err = supplier.Summaries(e.Ctx, e.Q, e.Scope, sids); err != nil {
			return nil, err
		}
	}
	return r, r.loadPayments(e, invoices)
}
