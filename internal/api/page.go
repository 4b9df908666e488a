package api

import (
	"net/url"
	"strconv"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/list"
)

// Page is the paginated list body of docs/conventions.md#11-lists-pagination-filtering-ordering-search.
type Page struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  any     `json:"results"`
}

// ParseList parses the request's query string against spec. Placeholders
// start after the argOffset scope arguments the caller binds first.
func (r *Request) ParseList(spec *list.Spec, argOffset int) (*list.Query, error) {
	loc := r.Scope.Loc
	return spec.Parse(r.R.URL.Query(), list.Env{Dialect: r.DB.Dialect, Loc: loc, ArgOffset: argOffset})
}

// PageOf builds the page body; it answers 404 "Invalid page." past the end
// (an offset past the end is an empty page, as DRF's limit/offset).
func (r *Request) PageOf(q *list.Query, count int, results any) (int, any, error) {
	if q.HasOffset {
		return 200, r.offsetPage(q, count, results), nil
	}
	if q.Page > 1 && q.Offset() >= count {
		return 0, nil, apperr.Detail(apperr.NotFound, "Invalid page.")
	}
	p := Page{Count: count, Results: results}
	link := func(page int) *string {
		return r.listLink(func(v url.Values) { v.Set("page", strconv.Itoa(page)) })
	}
	if q.Offset()+q.PageSize < count {
		p.Next = link(q.Page + 1)
	}
	if q.Page > 1 {
		p.Previous = link(q.Page - 1)
	}
	return 200, p, nil
}

// offsetPage is a limit/offset page: next and previous move offset by
// limit; the previous of the second page has no offset (DRF's links).
func (r *Request) offsetPage(q *list.Query, count int, results any) Page {
	p := Page{Count: count, Results: results}
	link := func(offset int) *string {
		return r.listLink(func(v url.Values) {
			v.Del("page_size")
			v.Set("limit", strconv.Itoa(q.PageSize))
			if offset > 0 {
				v.Set("offset", strconv.Itoa(offset))
			} else {
				v.Del("offset")
			}
		})
	}
	if q.Skip+q.PageSize < count {
		p.Next = link(q.Skip + q.PageSize)
	}
	if q.Skip > 0 {
		p.Previous = link(max(q.Skip-q.PageSize, 0))
	}
	return p
}

// listLink is the request's URL with its query changed by set.
func (r *Request) listLink(set func(url.Values)) *string {
	v := r.R.URL.Query()
	set(v)
	path := r.R.URL.Path
	if info, ok := r.Ctx.Value(infoKey{}).(*reqInfo); ok {
		path = info.origPath
	}
	u := url.URL{Path: path, RawQuery: v.Encode()}
	s := r.BaseURL() + u.RequestURI()
	return &s
}
