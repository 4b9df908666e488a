// Package idempotency stores Idempotency-Key records (docs/conventions.md#13-idempotency-keys) in the
// database, so the guarantee holds across server nodes and restarts.
package idempotency

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/cobrobilling/cobro/internal/store"
)

// TTL is how long a stored response is replayed.
const TTL = 24 * time.Hour

// Lease is how long a "processing" record blocks others. A request never
// runs this long (shutdown waits 30 s), so an older one was cut off by a
// crash: its transaction rolled back and the key may run again.
const Lease = 2 * time.Minute

// Record is a stored key.
type Record struct {
	Method, Path, Fingerprint string
	Processing                bool
	Status                    int
	Response                  []byte
}

// Fingerprint hashes a canonical request body.
func Fingerprint(canonicalBody []byte) string {
	sum := sha256.Sum256(canonicalBody)
	return hex.EncodeToString(sum[:])
}

// Begin claims key for a new request. owned is true when the caller must
// run the request; otherwise rec is the existing record (to replay, or to
// answer 409).
func Begin(ctx context.Context, db *store.DB, scope, key, method, path, fp string, now time.Time) (rec *Record, owned bool, err error) {
	nowUS := now.UnixMicro()
	for attempt := 0; attempt < 3; attempt++ {
		res, err := db.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, state, created)
			VALUES ($1, $2, $3, $4, $5, 'processing', $6) ON CONFLICT (scope, key) DO NOTHING`, scope, key, method, path, fp, nowUS)
		if err != nil {
			return nil, false, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil, true, nil
		}
		var (
			r       Record
			state   string
			status  sql.NullInt64
			body    sql.NullString
			created int64
		)
		err = db.QueryRowContext(ctx, `SELECT method, path, fingerprint, state, status_code, response, created FROM idempotency_keys WHERE scope = $1 AND key = $2`, scope, key).
			Scan(&r.Method, &r.Path, &r.Fingerprint, &state, &status, &body, &created)
		if errors.Is(err, sql.ErrNoRows) {
			continue // deleted in between: try again
		}
		if err != nil {
			return nil, false, err
		}
		expired := created < now.Add(-TTL).UnixMicro()
		stale := state == "processing" && created < now.Add(-Lease).UnixMicro()
		if expired || stale {
			// Take it over only if nobody else did first.
			res, err := db.ExecContext(ctx, `UPDATE idempotency_keys SET method = $1, path = $2, fingerprint = $3, state = 'processing', status_code = NULL, response = NULL, created = $4
				WHERE scope = $5 AND key = $6 AND created = $7`, method, path, fp, nowUS, scope, key, created)
			if err != nil {
				return nil, false, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil, true, nil
			}
			continue
		}
		r.Processing = state == "processing"
		r.Status = int(status.Int64)
		r.Response = []byte(body.String)
		return &r, false, nil
	}
	return nil, false, errors.New("idempotency: could not claim key")
}

// Finish stores the response. Called inside the request's transaction for
// successes (so the effect and its record commit together), or on its own
// after a rolled-back 4xx.
func Finish(ctx context.Context, q store.Querier, scope, key string, status int, body []byte) error {
	_, err := q.ExecContext(ctx, `UPDATE idempotency_keys SET state = 'done', status_code = $1, response = $2 WHERE scope = $3 AND key = $4`, status, string(body), scope, key)
	return err
}

// Release forgets a key whose request must be retryable (5xx, 401, 403, 409, 429).
func Release(ctx context.Context, q store.Querier, scope, key string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'processing'`, scope, key)
	return err
}

// Purge deletes records older than the TTL.
func Purge(ctx context.Context, q store.Querier, now time.Time) error {
	_, err := q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created < $1`, now.Add(-TTL).UnixMicro())
	return err
}
