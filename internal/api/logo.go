package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// getLogo answers the workspace's logo (docs/billing.md#12-workspace-logo),
// 404 without one.
func (s *Server) getLogo(r *Request) (int, any, error) {
	l, err := workspace.LoadLogo(r.Ctx, r.Q, r.Scope.ID)
	if err == nil && l == nil {
		err = apperr.NotFoundErr()
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, l.View(r.BaseURL(), r.Scope.ID, r.Scope.Loc), nil
}

// putLogo sets the logo from the "file" field (multipart, or base64 in
// JSON), checked before it is stored.
func (s *Server) putLogo(r *Request) (int, any, error) {
	o := input.New(r.Body, false)
	data, _ := fileBytes(o, false)
	if err := o.Err(); err != nil {
		return 0, nil, err
	}
	l, err := workspace.CheckLogo(data)
	if err != nil {
		return 0, nil, err
	}
	if err := workspace.SaveLogo(r.Ctx, r.Q, r.Scope.ID, l, r.Now); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, l.View(r.BaseURL(), r.Scope.ID, r.Scope.Loc), nil
}

func (s *Server) deleteLogo(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, workspace.DeleteLogo(r.Ctx, r.Q, r.Scope.ID)
}

// publicLogo serves a logo's image to emails' readers, the portal and the
// hosted checkout: its path names the version, so it is cached for good;
// an older version's path is a 404.
func (s *Server) publicLogo(r *Request) (int, any, error) {
	l, err := workspace.LoadLogo(r.Ctx, r.Q, r.PathValue("workspace"))
	if err != nil {
		return 0, nil, err
	}
	if l == nil || l.Digest != r.PathValue("digest") {
		return 0, nil, apperr.NotFoundErr()
	}
	return http.StatusOK, &Raw{ContentType: l.ContentType, Data: l.Data, Header: map[string]string{
		"Cache-Control": "public, max-age=31536000, immutable", "ETag": `"` + l.Digest + `"`,
		"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"}}, nil
}
