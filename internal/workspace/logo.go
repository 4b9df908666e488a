package workspace

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/store"
)

// Logo limits (docs/billing.md#12-workspace-logo): small enough for every
// email to carry it, large enough for a sharp header.
const (
	MaxLogoBytes = 512 << 10
	MaxLogoSide  = 4096
	MinLogoSide  = 16
)

// Logo is a workspace's logo: the image as uploaded.
type Logo struct {
	ContentType   string
	Data          []byte
	Width, Height int
	// Digest names this version of the image (its public URL and ETag).
	Digest  string
	Updated int64
}

// LogoView is the logo's API object.
type LogoView struct {
	URL         string      `json:"url"`
	ContentType string      `json:"content_type"`
	Size        int         `json:"size"`
	Width       int         `json:"width"`
	Height      int         `json:"height"`
	Updated     clock.Stamp `json:"updated"`
}

// View is the logo's API object; its URL is under base (the server's
// public URL, "" for a path).
func (l *Logo) View(base, workspaceID string, loc *time.Location) *LogoView {
	return &LogoView{URL: base + l.Path(workspaceID), ContentType: l.ContentType, Size: len(l.Data), Width: l.Width, Height: l.Height,
		Updated: clock.Stamp{Micros: l.Updated, Loc: loc}}
}

// Path is the logo's public path: a new upload gets a new one, so the
// image can be cached for good.
func (l *Logo) Path(workspaceID string) string {
	return "/publishable/logos/" + workspaceID + "/" + l.Digest
}

// CheckLogo reads an uploaded image: a PNG or JPEG (never SVG, which can
// carry scripts) within the size and side limits, known by decoding its
// header. Errors are 400s on "file".
func CheckLogo(data []byte) (*Logo, error) {
	if len(data) == 0 {
		return nil, apperr.Field("file", "The submitted file is empty.")
	}
	if len(data) > MaxLogoBytes {
		return nil, apperr.Field("file", fmt.Sprintf("The logo must be at most %d KB (this file is %d KB).", MaxLogoBytes>>10, (len(data)+1023)>>10))
	}
	var (
		cfg         image.Config
		err         error
		contentType string
	)
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		contentType = "image/png"
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		contentType = "image/jpeg"
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	default:
		return nil, apperr.Field("file", "Upload a PNG or JPEG image.")
	}
	if err != nil {
		return nil, apperr.Field("file", "The image cannot be read: "+err.Error()+".")
	}
	if cfg.Width < MinLogoSide || cfg.Height < MinLogoSide || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return nil, apperr.Field("file", fmt.Sprintf("The logo must be %d to %d pixels wide and high (this one is %d×%d).", MinLogoSide, MaxLogoSide, cfg.Width, cfg.Height))
	}
	sum := sha256.Sum256(data)
	return &Logo{ContentType: contentType, Data: data, Width: cfg.Width, Height: cfg.Height, Digest: hex.EncodeToString(sum[:16])}, nil
}

// SaveLogo sets the workspace's logo (both modes share it).
func SaveLogo(ctx context.Context, q store.Querier, workspaceID string, l *Logo, now time.Time) error {
	l.Updated = now.UnixMicro()
	_, err := q.ExecContext(ctx, `INSERT INTO workspace_logos (workspace_id, content_type, data, width, height, digest, updated) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (workspace_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, width = excluded.width, height = excluded.height,
		digest = excluded.digest, updated = excluded.updated`, workspaceID, l.ContentType, l.Data, l.Width, l.Height, l.Digest, l.Updated)
	return err
}

// DeleteLogo removes the workspace's logo; a 404 when it has none.
func DeleteLogo(ctx context.Context, q store.Querier, workspaceID string) error {
	res, err := q.ExecContext(ctx, `DELETE FROM workspace_logos WHERE workspace_id = $1`, workspaceID)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = apperr.NotFoundErr()
	}
	return err
}

// LoadLogo reads the workspace's logo; nil when it has none.
func LoadLogo(ctx context.Context, q store.Querier, workspaceID string) (*Logo, error) {
	l := &Logo{}
	err := q.QueryRowContext(ctx, `SELECT content_type, data, width, height, digest, updated FROM workspace_logos WHERE workspace_id = $1`, workspaceID).
		Scan(&l.ContentType, &l.Data, &l.Width, &l.Height, &l.Digest, &l.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

// LogoPath is the public path of the workspace's logo, "" without one
// (the portal and the hosted checkout show it).
func LogoPath(ctx context.Context, q store.Querier, workspaceID string) (string, error) {
	l := &Logo{}
	err := q.QueryRowContext(ctx, `SELECT digest FROM workspace_logos WHERE workspace_id = $1`, workspaceID).Scan(&l.Digest)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return l.Path(workspaceID), nil
}
