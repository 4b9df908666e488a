-- +goose Up
-- A payment held by POST …/authorize/ (hold_only) stays held when the
-- processor reports the hold; one left pending by …/pay/ is captured then
-- (docs/payments.md#17-stripe).
ALTER TABLE payments ADD COLUMN hold_only INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE payments DROP COLUMN hold_only;
