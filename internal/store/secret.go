package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
)

// SecretKey returns the server secret (signs local_file URLs, encrypts
// stored keys). An explicit value (COBRO_SECRET_KEY) wins; otherwise one is
// generated on first start and kept in the database, so a single node works
// with no configuration and every node sharing the database agrees.
func (db *DB) SecretKey(ctx context.Context, explicit string) ([]byte, error) {
	if explicit != "" {
		return []byte(explicit), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('secret_key', $1) ON CONFLICT (key) DO NOTHING`, hex.EncodeToString(buf)); err != nil {
		return nil, err
	}
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'secret_key'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errors.New("secret key missing after insert")
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}
