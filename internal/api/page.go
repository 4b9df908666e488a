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

// PageOf builds the page body; it answers 404 "Invalid page." past the end.
func (r *Request) PageOf(q *list.Query, count int, results any) (int, any, error) {
	if q.Page > 1 && q.Offset() >= count {
		return 0, nil, apperr.Detail(apperr.NotFound, "Invalid page.")
	}
	p := Page{Count: count, Results: results}
	link := func(page int) *string {
		v := r.R.URL.Query()
		v.Set("page", strconv.Itoa(page))
		path := r.R.URL.Path
		if info, ok := r.Ctx.Value(infoKey{}).(*reqInfo); ok {
			path = info.origPath
		}
		u := url.URL{Path: path, RawQuery: v.Encode()}
		s := r.BaseURL() + u.RequestURI()
		return &s
	}
	if q.Offset()+q.PageSize < count {
		p.Next = link(q.Page + 1)
	}
	if q.Page > 1 {
		p.Previous = link(q.Page - 1)
	}
	return 200, p, nil
}
