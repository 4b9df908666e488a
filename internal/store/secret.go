package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
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

// Sealer encrypts secrets at rest (AES-256-GCM) under a key derived from
// the server secret for one purpose, so two kinds of secret never share a
// key. The associated data binds a ciphertext to its row: a sealed value
// copied to another row does not open.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives the key of purpose (e.g. "cobro/gateways/seal/v1").
func NewSealer(secret []byte, purpose string) (*Sealer, error) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	blk, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: g}, nil
}

// Seal encrypts plain; aad names the row it belongs to.
func (s *Sealer) Seal(plain []byte, aad string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(aad)), nil
}

// Open decrypts a value sealed for the same aad.
func (s *Sealer) Open(sealed []byte, aad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	p, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		return nil, errors.New("cannot open a stored secret: was COBRO_SECRET_KEY changed?")
	}
	return p, nil
}
