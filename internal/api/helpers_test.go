package api_test

import (
	"context"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/workspace"
)

func rotate(e *apitest.Env, user string) (string, error) {
	return workspace.RotateToken(context.Background(), e.DB, user, e.Clock.Now())
}
