package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/apperr"
)

// statusOf is the one error→status table (docs/conventions.md#12-errors).
var statusOf = map[apperr.Kind]int{
	apperr.Invalid:          http.StatusBadRequest,
	apperr.Unauthenticated:  http.StatusUnauthorized,
	apperr.Forbidden:        http.StatusForbidden,
	apperr.NotFound:         http.StatusNotFound,
	apperr.MethodNotAllowed: http.StatusMethodNotAllowed,
	apperr.Conflict:         http.StatusConflict,
	apperr.TooLarge:         http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia: http.StatusUnsupportedMediaType,
	apperr.Throttled:        http.StatusTooManyRequests,
	apperr.Unavailable:      http.StatusServiceUnavailable,
}

// errorResponse turns any error into a status and a JSON body. Errors that
// are not *apperr.Error are internal: the caller logs them, the client sees
// only the generic 500 body.
func errorResponse(err error) (int, any, map[string]string, bool) {
	e, ok := apperr.As(err)
	if !ok {
		return http.StatusInternalServerError, map[string]any{"detail": "A server error occurred."}, nil, true
	}
	status := statusOf[e.Kind]
	if status == 0 {
		status = http.StatusBadRequest
	}
	if e.Fields != nil {
		return status, e.Fields, e.Header, false
	}
	return status, map[string]any{"detail": e.Detail}, e.Header, false
}
