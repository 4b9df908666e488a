// Package list is the one list machinery of docs/conventions.md#11-lists-pagination-filtering-ordering-search: each resource
// declares its filterable fields, lookups, ordering and search fields in a
// Spec, and Parse turns a query string into parameterised SQL, rejecting
// anything undeclared.
package list

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/shopspring/decimal"
)

// Kind is a filterable field's value type.
type Kind int

const (
	String   Kind = iota // free text (also ids)
	Int                  // integer
	Decimal              // exact decimal (money, rates)
	Bool                 // true/false
	Date                 // YYYY-MM-DD text column
	DateTime             // integer microseconds column
	Enum                 // one of Choices
)

// Lookups besides exact. "exact" itself is always allowed.
const (
	In         = "in"
	IContains  = "icontains"
	Contains   = "contains"
	Gt         = "gt"
	Gte        = "gte"
	Lt         = "lt"
	Lte        = "lte"
	IsNull     = "isnull"
	ExactAlias = "exact"
)

var knownLookups = map[string]bool{In: true, IContains: true, Contains: true, Gt: true, Gte: true, Lt: true, Lte: true, IsNull: true, ExactAlias: true}

// Ranges is the usual lookup set of numbers and dates.
var Ranges = []string{Gt, Gte, Lt, Lte}

// Field declares one filterable field.
type Field struct {
	Name    string   // query parameter name
	Expr    string   // SQL expression
	Kind    Kind     //
	Lookups []string // allowed lookups besides exact
	Choices []string // for Enum
	// Cond, when set, is the whole SQL condition of an exact filter with {}
	// standing for the value (e.g. an EXISTS over a child table); Expr is
	// then unused.
	Cond string
}

// Spec declares a resource's list behaviour.
type Spec struct {
	Fields []Field
	// Ordering maps orderable names to SQL expressions.
	Ordering map[string]string
	// DefaultOrdering is used when the query has none (docs/conventions.md#11-lists-pagination-filtering-ordering-search: -created).
	DefaultOrdering string
	// Search lists the SQL expressions "search" matches (OR).
	Search []string
	// SearchIndex, when set, serves Search from trigram indexes instead of
	// a scan of every row (docs/conventions.md#11-lists-pagination-filtering-ordering-search).
	SearchIndex *SearchIndex
	// Metadata is the JSON column expression behind metadata__<key>, or "".
	Metadata string
	// IDExpr breaks ordering ties; default "id".
	IDExpr string
}

// Env is what parsing needs from the request.
type Env struct {
	Dialect   store.Dialect
	Loc       *time.Location // workspace time zone for date-valued datetime filters
	ArgOffset int            // placeholders start at $ArgOffset+1
}

// Query is a parsed list request.
type Query struct {
	Conds    []string // SQL conditions, AND-ed
	Args     []any
	OrderBy  string
	Page     int
	PageSize int
	// Skip is the row offset of an offset request (HasOffset): limit and
	// offset instead of page (docs/conventions.md#11-lists-pagination-filtering-ordering-search).
	Skip      int
	HasOffset bool
	dialect   store.Dialect // for the count's estimate
}

// Where returns the conditions joined with AND, prefixed by " AND " when
// any exist, for appending after a scope condition.
func (q *Query) Where() string {
	if len(q.Conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(q.Conds, " AND ")
}

// Offset is the row offset of the page.
func (q *Query) Offset() int {
	if q.HasOffset {
		return q.Skip
	}
	return (q.Page - 1) * q.PageSize
}

// Reserved parameters are not filters.
var reserved = map[string]bool{"page": true, "page_size": true, "limit": true, "offset": true, "ordering": true, "search": true, "expand": true, "format": true}

const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	// MaxPage bounds page so that its offset cannot overflow (a negative
	// OFFSET, a negative next page); ten million pages is past any list.
	MaxPage = 10_000_000
	// MaxOffset bounds offset the same way.
	MaxOffset = MaxPage * MaxPageSize
	// MaxInValues bounds one __in list: each value is a bound parameter,
	// and thousands of them occupy the database for every tenant.
	MaxInValues = 100
	// MaxQueryBytes bounds a request's whole query string; the HTTP edge
	// refuses longer ones before anything parses them.
	MaxQueryBytes = 8 << 10
)

type parser struct {
	spec *Spec
	env  Env
	q    *Query
	errs map[string]any
}

func (p *parser) fail(param, msg string) {
	if _, ok := p.errs[param]; !ok {
		p.errs[param] = []string{msg}
	}
}

func (p *parser) arg(v any) string {
	p.q.Args = append(p.q.Args, v)
	return "$" + strconv.Itoa(p.env.ArgOffset+len(p.q.Args))
}

// Parse validates values against the spec.
func (s *Spec) Parse(values url.Values, env Env) (*Query, error) {
	if env.Loc == nil {
		env.Loc = time.UTC
	}
	p := &parser{spec: s, env: env, q: &Query{Page: 1, PageSize: DefaultPageSize, dialect: env.Dialect}, errs: map[string]any{}}
	p.pagination(values)

	params := make([]string, 0, len(values))
	for k := range values {
		params = append(params, k)
	}
	sort.Strings(params) // deterministic placeholder order
	for _, param := range params {
		if reserved[param] {
			continue
		}
		val := values.Get(param)
		if !cleanText(param) || !cleanText(val) {
			p.fail(param, "Null characters and invalid UTF-8 are not allowed.")
			continue
		}
		if s.Metadata != "" && strings.HasPrefix(param, "metadata__") {
			key := strings.TrimPrefix(param, "metadata__")
			if !metadataKey.MatchString(key) {
				p.fail(param, "Unknown filter.") // no stored key can look like this
				continue
			}
			p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s = %s", env.Dialect.JSONText(s.Metadata, p.arg(key)), p.arg(val)))
			continue
		}
		p.filter(param, val)
	}
	if format := values.Get("format"); values.Has("format") && format != "json" {
		p.fail("format", apperr.MsgChoice(format))
	}
	if term := values.Get("search"); !cleanText(term) {
		p.fail("search", "Null characters and invalid UTF-8 are not allowed.")
	} else {
		p.search(term)
	}
	p.ordering(values)
	if len(p.errs) > 0 {
		return nil, apperr.FieldsErr(p.errs)
	}
	return p.q, nil
}

func (p *parser) pagination(values url.Values) {
	if values.Has("page") {
		n, err := strconv.Atoi(values.Get("page"))
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange), err == nil && n < 1:
			p.fail("page", apperr.MsgInteger)
		case err != nil || n > MaxPage:
			p.fail("page", fmt.Sprintf("A valid integer between 1 and %d is required.", MaxPage))
		default:
			p.q.Page = n
		}
	}
	p.offset(values)
	for _, name := range []string{"limit", "page_size"} { // page_size wins over its alias
		if !values.Has(name) {
			continue
		}
		n, err := strconv.Atoi(values.Get(name))
		if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(values.Get(name), "-") {
			n, err = MaxPageSize, nil // beyond int64 clamps like any value > 100
		}
		if err != nil || n < 1 {
			p.fail(name, "A valid integer between 1 and 100 is required.")
			continue
		}
		p.q.PageSize = min(n, MaxPageSize)
	}
}

// offset reads offset: rows to skip, 0 or more, with limit the rows to
// return, as Django REST framework's LimitOffsetPagination; not with page.
func (p *parser) offset(values url.Values) {
	if !values.Has("offset") {
		return
	}
	n, err := strconv.Atoi(values.Get("offset"))
	switch {
	case values.Has("page"):
		p.fail("offset", "Give either page or offset, not both.")
	case err != nil && !errors.Is(err, strconv.ErrRange), err == nil && n < 0:
		p.fail("offset", fmt.Sprintf("A valid integer between 0 and %d is required.", MaxOffset))
	case err != nil || n > MaxOffset:
		p.fail("offset", fmt.Sprintf("A valid integer between 0 and %d is required.", MaxOffset))
	default:
		p.q.Skip, p.q.HasOffset = n, true
	}
}

func (p *parser) field(name string) *Field {
	for i := range p.spec.Fields {
		if p.spec.Fields[i].Name == name {
			return &p.spec.Fields[i]
		}
	}
	return nil
}

func (p *parser) filter(param, val string) {
	name, lookup := param, ""
	if i := strings.LastIndex(param, "__"); i > 0 && knownLookups[param[i+2:]] {
		name, lookup = param[:i], param[i+2:]
	}
	f := p.field(name)
	if f == nil {
		p.fail(param, "Unknown filter.")
		return
	}
	if lookup == ExactAlias {
		lookup = ""
	}
	if lookup != "" && !contains(f.Lookups, lookup) {
		p.fail(param, fmt.Sprintf("Unsupported lookup '%s' for this field.", lookup))
		return
	}
	switch lookup {
	case IsNull:
		b, ok := parseBool(val)
		if !ok {
			p.fail(param, msgBoolean)
			return
		}
		if b {
			p.q.Conds = append(p.q.Conds, f.Expr+" IS NULL")
		} else {
			p.q.Conds = append(p.q.Conds, f.Expr+" IS NOT NULL")
		}
	case IContains:
		p.q.Conds = append(p.q.Conds, p.env.Dialect.ILike(f.Expr, p.arg("%"+escapeLike(val)+"%")))
	case Contains:
		p.q.Conds = append(p.q.Conds, p.env.Dialect.Contains(f.Expr, p.arg(val)))
	case In:
		if strings.Count(val, ",") >= MaxInValues {
			p.fail(param, fmt.Sprintf("Ensure this list has no more than %d values.", MaxInValues))
			return
		}
		var phs []string
		for _, part := range strings.Split(val, ",") {
			part = strings.TrimSpace(part)
			v, ok := p.value(param, f, part)
			if !ok {
				return
			}
			if f.Kind == DateTime {
				p.fail(param, "Enter a valid date/time.")
				return
			}
			phs = append(phs, p.arg(v))
		}
		p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s IN (%s)", f.Expr, strings.Join(phs, ", ")))
	default: // exact and ranges
		op := map[string]string{"": "=", Gt: ">", Gte: ">=", Lt: "<", Lte: "<="}[lookup]
		if f.Kind == DateTime {
			p.datetime(param, f, lookup, val)
			return
		}
		v, ok := p.value(param, f, val)
		if !ok {
			return
		}
		if f.Cond != "" {
			p.q.Conds = append(p.q.Conds, strings.ReplaceAll(f.Cond, "{}", p.arg(v)))
			return
		}
		expr := f.Expr
		if f.Kind == Decimal {
			expr = p.env.Dialect.Numeric(f.Expr)
			v = v.(decimal.Decimal).String()
		}
		p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s %s %s", expr, op, p.arg(v)))
	}
}

// value parses one filter value of f's kind.
func (p *parser) value(param string, f *Field, val string) (any, bool) {
	switch f.Kind {
	case Int:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			p.fail(param, "Enter a whole number.")
			return nil, false
		}
		return n, true
	case Decimal:
		d, err := decimal.NewFromString(val)
		if err != nil || strings.ContainsAny(val, "eE") {
			p.fail(param, "Enter a number.")
			return nil, false
		}
		return d, true
	case Bool:
		b, ok := parseBool(val)
		if !ok {
			p.fail(param, msgBoolean)
			return nil, false
		}
		return b, true
	case Date:
		if _, err := time.Parse(time.DateOnly, val); err != nil {
			p.fail(param, "Enter a valid date.")
			return nil, false
		}
		return val, true
	case Enum:
		if !contains(f.Choices, val) {
			p.fail(param, fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", val))
			return nil, false
		}
		return val, true
	}
	return val, true
}

// datetime filters an integer-microseconds column. A date value covers the
// whole local day of the workspace (docs/conventions.md#7-data-types).
func (p *parser) datetime(param string, f *Field, lookup, val string) {
	if day, err := time.ParseInLocation(time.DateOnly, val, p.env.Loc); err == nil {
		start := day.UnixMicro()
		end := day.AddDate(0, 0, 1).UnixMicro() // exclusive
		switch lookup {
		case "":
			p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s >= %s AND %s < %s", f.Expr, p.arg(start), f.Expr, p.arg(end)))
		case Gt:
			p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s >= %s", f.Expr, p.arg(end)))
		case Gte:
			p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s >= %s", f.Expr, p.arg(start)))
		case Lt:
			p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s < %s", f.Expr, p.arg(start)))
		case Lte:
			p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s < %s", f.Expr, p.arg(end)))
		}
		return
	}
	t, err := ParseDateTime(val, p.env.Loc)
	if err != nil {
		p.fail(param, "Enter a valid date/time.")
		return
	}
	op := map[string]string{"": "=", Gt: ">", Gte: ">=", Lt: "<", Lte: "<="}[lookup]
	p.q.Conds = append(p.q.Conds, fmt.Sprintf("%s %s %s", f.Expr, op, p.arg(t.UnixMicro())))
}

// ParseDateTime reads RFC 3339; values without an offset (also the legacy
// "YYYY-MM-DD HH:MM:SS") are read in loc.
func ParseDateTime(val string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, val); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, val, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid datetime %q", val)
}

func (p *parser) search(term string) {
	term = strings.TrimSpace(term)
	if term == "" || len(p.spec.Search) == 0 {
		return
	}
	if ix := p.spec.SearchIndex; ix != nil {
		p.q.Conds = append(p.q.Conds, ix.cond(p, term))
		return
	}
	p.q.Conds = append(p.q.Conds, p.likeAny(term, p.spec.Search))
}

func (p *parser) ordering(values url.Values) {
	raw := p.spec.DefaultOrdering
	if values.Has("ordering") && strings.TrimSpace(values.Get("ordering")) != "" {
		raw = values.Get("ordering")
	}
	idExpr := p.spec.IDExpr
	if idExpr == "" {
		idExpr = "id"
	}
	var parts []string
	dir := "ASC"
	for _, item := range strings.Split(raw, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name := strings.TrimPrefix(item, "-")
		expr, ok := p.spec.Ordering[name]
		if !ok {
			p.fail("ordering", fmt.Sprintf("Invalid ordering field: %s.", name))
			return
		}
		dir = "ASC"
		if strings.HasPrefix(item, "-") {
			dir = "DESC"
		}
		parts = append(parts, expr+" "+dir)
	}
	parts = append(parts, idExpr+" "+dir) // ties broken by id
	p.q.OrderBy = strings.Join(parts, ", ")
}

// metadataKey is the shape of a metadata key (docs/conventions.md#7-data-types); anything else
// cannot match and must not reach a JSON path.
var metadataKey = regexp.MustCompile(`^[A-Za-z0-9_\-.]{1,40}$`)

// cleanText: no NUL (PostgreSQL text cannot hold it) and valid UTF-8.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const msgBoolean = "Must be a valid boolean."

// parseBool reads the boolean spellings a query string may use.
func parseBool(v string) (bool, bool) {
	switch v {
	case "true", "True", "1":
		return true, true
	case "false", "False", "0":
		return false, true
	}
	return false, false
}
