package api

import (
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/files"
)

func (r *Request) env() document.Env {
	return document.Env{Ctx: r.Ctx, Q: r.Q, D: r.DB.Dialect, Scope: r.Scope, Now: r.Now, Deps: r.srv.opt.Services.Documents}
}

func (r *Request) fileURL(fileID string) string {
	return files.URL(r.BaseURL(), r.srv.opt.SecretKey, fileID, r.Now)
}

// renderDocs renders stored documents as API objects (customers expanded).
func (r *Request) renderDocs(docs ...*document.Doc) ([]any, error) {
	rd, err := document.Render(r.env(), r.fileURL, docs...)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(docs))
	for i, d := range docs {
		out[i] = rd.View(d)
	}
	return out, nil
}

func (r *Request) renderDoc(status int, d *document.Doc, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	views, err := r.renderDocs(d)
	if err != nil {
		return 0, nil, err
	}
	return status, views[0], nil
}

// docCreate numbers the new document in the transaction's last statements
// (document.Tail): the view is rendered first and shows the number Flush
// writes into it, so the sequence row is locked for about one commit.
func docCreate(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		e := r.env()
		e.Tail = &document.Tail{}
		d, err := document.Create(e, k, decode.Document(k, r.Body, false))
		status, view, err := r.renderDoc(http.StatusCreated, d, err)
		if err != nil {
			return 0, nil, err
		}
		return status, view, e.Tail.Flush(e)
	}
}

func docList(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		lq, err := r.ParseList(document.Specs[k], 3)
		if err != nil {
			return 0, nil, err
		}
		n, docs, err := document.List(r.env(), k, lq)
		if err != nil {
			return 0, nil, err
		}
		views, err := r.renderDocs(docs...)
		if err != nil {
			return 0, nil, err
		}
		return r.PageOf(lq, n, views)
	}
}

func docGet(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		d, err := document.Get(r.env(), k, r.PathValue("id"))
		return r.renderDoc(http.StatusOK, d, err)
	}
}

func docUpdate(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		d, err := document.Update(r.env(), k, r.PathValue("id"), decode.Document(k, r.Body, true))
		return r.renderDoc(http.StatusOK, d, err)
	}
}

func docDelete(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		return http.StatusNoContent, nil, document.Delete(r.env(), k, r.PathValue("id"))
	}
}

// docFinalize writes the customer's totals after the rest of the finalize
// (document.Tail), before rendering, whose customer aggregations read them.
func docFinalize(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		e := r.env()
		e.Tail = &document.Tail{}
		d, err := document.Finalize(e, k, r.PathValue("id"))
		if err == nil {
			err = e.Tail.Flush(e)
		}
		return r.renderDoc(http.StatusOK, d, err)
	}
}

func (s *Server) invoiceUncollectible(r *Request) (int, any, error) {
	d, err := document.ToggleUncollectible(r.env(), r.PathValue("id"))
	return r.renderDoc(http.StatusOK, d, err)
}

func (s *Server) orderCancel(r *Request) (int, any, error) {
	d, err := document.CancelOrder(r.env(), r.PathValue("id"))
	return r.renderDoc(http.StatusOK, d, err)
}

// serveFile answers a signed local_file URL (docs/conventions.md#10-pdfs-and-local_file).
func (s *Server) serveFile(r *Request) (int, any, error) {
	path := "/files/" + r.PathValue("token")
	q := r.R.URL.Query()
	invalid := apperr.Detail(apperr.Forbidden, "This link has expired or is invalid.")
	if !files.Check(s.opt.SecretKey, path, q.Get("expires"), q.Get("signature"), r.Now) {
		return 0, nil, invalid
	}
	var (
		contentType, name string
		data              []byte
	)
	err := r.Q.QueryRowContext(r.Ctx, `SELECT content_type, filename, data FROM files WHERE id = $1`, r.PathValue("token")).Scan(&contentType, &name, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, invalid
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &Raw{ContentType: contentType, Data: data,
		Header: map[string]string{"Content-Disposition": `inline; filename="` + strings.ReplaceAll(name, `"`, "") + `"`}}, nil
}

func (s *Server) createCancellation(r *Request) (int, any, error) {
	c, err := document.CreateCancellation(r.env(), decode.Cancellation(r.Body))
	return reply(http.StatusCreated, c, err)
}

func (s *Server) listCancellations(r *Request) (int, any, error) {
	lq, err := r.ParseList(&document.CancellationSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := document.ListCancellations(r.env(), lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getCancellation(r *Request) (int, any, error) {
	c, err := document.GetCancellation(r.env(), r.PathValue("id"))
	return reply(http.StatusOK, c, err)
}
