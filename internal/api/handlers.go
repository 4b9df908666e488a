package api

import (
	"context"
	"net/http"
	"time"

	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Most endpoints read one object by the path id, list a page, or make one
// call and answer what it returned; they differ only in that call. These
// build the handler from the call, so each resource states what it does
// and the reply (status, error, page) is spelled once.

// reply is the reply of a handler whose call returned v or err.
func reply(status int, v any, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return status, v, nil
}

// pageOf parses the list query against spec (the scope binds $1 and $2)
// and answers the page fetch reads.
func pageOf[T any](r *Request, spec *list.Spec, fetch func(*list.Query) (int, []T, error)) (int, any, error) {
	lq, err := r.ParseList(spec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := fetch(lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

// getScoped answers GET /<resources>/{id}/ with the object of the request
// scope that get reads.
func getScoped[T any](get func(context.Context, store.Querier, workspace.Scope, string) (T, error)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		v, err := get(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
		return reply(http.StatusOK, v, err)
	}
}

// listScoped answers GET /<resources>/ with a page of spec's list of the
// request scope that fetch reads.
func listScoped[T any](spec *list.Spec, fetch func(context.Context, store.Querier, workspace.Scope, *list.Query) (int, []T, error)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		return pageOf(r, spec, func(lq *list.Query) (int, []T, error) { return fetch(r.Ctx, r.Q, r.Scope, lq) })
	}
}

// createScoped answers POST /<resources>/ with 201 and the object create
// makes in the request scope from the body decode reads.
func createScoped[P, T any](decode func(*input.Object) P, create func(context.Context, store.Querier, workspace.Scope, P, time.Time) (T, error)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		v, err := create(r.Ctx, r.Q, r.Scope, decode(r.Object()), r.Now)
		return reply(http.StatusCreated, v, err)
	}
}

// updateScoped answers POST /<resources>/{id}/ with 200 and the object
// update leaves after the partial update decode reads.
func updateScoped[P, T any](decode func(*input.Object) P, update func(context.Context, store.Querier, store.Dialect, workspace.Scope, string, P, time.Time) (T, error)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		v, err := update(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decode(r.Object()), r.Now)
		return reply(http.StatusOK, v, err)
	}
}

// archiveScoped answers DELETE on an object that is archived, not
// destroyed: 200 and the object.
func archiveScoped[T any](archive func(context.Context, store.Querier, store.Dialect, workspace.Scope, string, time.Time) (T, error)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		v, err := archive(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
		return reply(http.StatusOK, v, err)
	}
}

// byID answers 200 and the object call returns for the path id, in the
// environment env builds (reads and one-step actions alike).
func byID[E, T any](env func(*Request) E, call func(E, string) (T, error)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		v, err := call(env(r), r.PathValue("id"))
		return reply(http.StatusOK, v, err)
	}
}

// listIn answers GET /<resources>/ with a page of spec's list that fetch
// reads in the environment env builds.
func listIn[E, T any](spec *list.Spec, env func(*Request) E, fetch func(E, *list.Query) (int, []T, error)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		return pageOf(r, spec, func(lq *list.Query) (int, []T, error) { return fetch(env(r), lq) })
	}
}
