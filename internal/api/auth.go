package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// authenticate applies docs/conventions.md#3-authentication-and-headers's checks in order; the first failing one
// answers.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (workspace.Scope, error) {
	authz := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(strings.TrimSpace(authz), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Token") || token == "" {
		return workspace.Scope{}, apperr.Detail(apperr.Unauthenticated, "Authentication credentials were not provided.")
	}
	wsID := strings.TrimSpace(r.Header.Get("x-simple-workspace"))
	user, ws, err := workspace.Authenticate(ctx, s.opt.DB, token, wsID)
	switch {
	case errors.Is(err, workspace.ErrNotFound):
		return workspace.Scope{}, apperr.Detail(apperr.Unauthenticated, "Invalid token.")
	case wsID == "":
		return workspace.Scope{}, apperr.NonField("x-simple-workspace header is required.")
	case errors.Is(err, workspace.ErrNotMember):
		return workspace.Scope{}, apperr.Detail(apperr.Forbidden, "You do not have permission to access this workspace.")
	case err != nil:
		return workspace.Scope{}, err
	}
	testMode := false
	if vals := r.Header.Values("x-piriod-test-mode"); len(vals) > 0 {
		switch strings.ToLower(strings.TrimSpace(vals[0])) {
		case "true", "1":
			testMode = true
		case "false", "0":
		default:
			return workspace.Scope{}, apperr.NonField("x-piriod-test-mode must be true or false.")
		}
	}
	return workspace.Scope{Workspace: ws, TestMode: testMode, UserID: user.ID, UserEmail: user.Email}, nil
}
