package document

import (
	"database/sql"
	"encoding/json"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
)

// Cancellation cancels a finalized retention (docs/procurement.md#5-cancellations). It takes
// effect when created: no draft stage, no lines.
type Cancellation struct {
	ID           string       `json:"id"`
	Retention    string       `json:"retention"`
	Document     *TypeSummary `json:"document"`
	Number       *int64       `json:"number"`
	Date         string       `json:"date"`
	Note         *string      `json:"note"`
	InternalNote *string      `json:"internal_note"`
	Filing
	TestMode bool        `json:"test_mode"`
	Created  clock.Stamp `json:"created"`
	Updated  clock.Stamp `json:"updated"`
}

var cancellationsTable = rows.Table{Name: "cancellations", Prefix: "can", Columns: cancellationColumns}

const cancellationColumns = `id, retention_id, document_type, number, date, note, internal_note, status, biller_status, tax_agency, test_mode, created, updated`

func (e Env) scanCancellation(row list.Scanner) (*Cancellation, error) {
	var (
		c                Cancellation
		typ, note, inote sql.NullString
		number           sql.NullInt64
		taxAgency        string
		created, updated int64
	)
	if err := row.Scan(&c.ID, &c.Retention, &typ, &number, &c.Date, &note, &inote, &c.Status, &c.BillerStatus, &taxAgency, &c.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	if typ.Valid {
		ts := typeSummary(typ.String)
		c.Document = &ts
	}
	c.Number = rows.Int(number)
	c.Note, c.InternalNote, c.TaxAgency = rows.Text(note), rows.Text(inote), json.RawMessage(taxAgency)
	c.Created, c.Updated = clock.Stamp{Micros: created, Loc: e.Scope.Loc}, clock.Stamp{Micros: updated, Loc: e.Scope.Loc}
	return &c, nil
}

// GetCancellation returns a cancellation of the scope.
func GetCancellation(e Env, cancellationID string) (*Cancellation, error) {
	return rows.Get(e.Ctx, e.Q, e.Scope, cancellationsTable, cancellationID, "", e.scanCancellation)
}

// CancellationSpec declares the cancellation list.
var CancellationSpec = list.Spec{
	Fields: []list.Field{
		{Name: "retention", Expr: "retention_id", Lookups: []string{list.In}},
		{Name: "date", Expr: "date", Kind: list.Date, Lookups: list.Ranges},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering: map[string]string{"created": "created"}, DefaultOrdering: "-created",
}

// ListCancellations returns one page of cancellations.
func ListCancellations(e Env, lq *list.Query) (int, []*Cancellation, error) {
	return rows.List(e.Ctx, e.Q, e.Scope, cancellationsTable, lq, e.scanCancellation)
}

// CancellationDraft is the command that cancels a retention.
type CancellationDraft struct {
	Retention          Ref
	Document           *string // a cancellation type; null or absent: none
	Date               *string // default: today
	Note, InternalNote *string
	// Errs are the fields the edge could not decode.
	Errs *apperr.Fields
}

// CreateCancellation cancels a finalized retention.
func CreateCancellation(e Env, cd *CancellationDraft) (*Cancellation, error) {
	fe := &apperr.Fields{}
	if cd.Errs != nil {
		fe = cd.Errs.Clone()
	}
	var ret *Doc
	if v := cd.Retention.ID; v != nil {
		d, err := e.lock(Retention, *v)
		switch {
		case err != nil:
			fe.Add("retention", apperr.MsgPK(*v))
		case d.Status == StatusCancelled:
			fe.Add("retention", "The retention is already cancelled.")
		case d.Status != StatusFinalized:
			fe.Add("retention", "Only finalized retentions can be cancelled.")
		default:
			ret = d
		}
	}
	var typeID any
	if cd.Document != nil {
		kind := &Kind{Plural: "cancellations", TypeKind: "cancellation"}
		if t, msg := TypeFor(e.Scope, kind, *cd.Document); msg != "" {
			fe.Add("document", msg)
		} else {
			typeID = t.ID
		}
	}
	date := today(e.Scope, e.Now)
	if cd.Date != nil {
		date = *cd.Date
	}
	note, inote := cd.Note, cd.InternalNote
	if err := fe.Err(); err != nil {
		return nil, err
	}
	cid := id.New("can")
	us := e.Now.UnixMicro()
	if _, err := e.Q.ExecContext(e.Ctx, `INSERT INTO cancellations (id, workspace_id, test_mode, retention_id, document_type, number, date, note, internal_note, status, biller_status, tax_agency, created, updated)
		VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, 'finalized', $9, '{}', $10, $10)`,
		cid, e.Scope.ID, e.Scope.TestMode, ret.ID, typeID, date, note, inote, biller.StatusSucceeded, us); err != nil {
		return nil, err
	}
	ret.Status, ret.CancellationID, ret.Updated = StatusCancelled, &cid, us
	if err := save(e, ret); err != nil {
		return nil, err
	}
	if err := e.emit("cancellation.created", cid); err != nil {
		return nil, err
	}
	if err := e.emit("retention.cancelled", ret.ID); err != nil {
		return nil, err
	}
	return GetCancellation(e, cid)
}
