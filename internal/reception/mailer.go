package reception

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/store"
)

// AnswerMailer emails the exchange answers to the issuers' exchange
// addresses: the handler of AnswerJobKind on the job runner.
type AnswerMailer struct {
	DB     *store.DB
	SMTP   *mail.Config
	Clock  clock.Clock
	Logger *slog.Logger
}

// maxAnswerAttempts: an answer the server keeps refusing is given up
// (status failed) after this many tries.
const maxAnswerAttempts = 8

// Kind is the job kind for the runner.
func (m *AnswerMailer) Kind() jobs.Kind {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	if m.Clock == nil {
		m.Clock = clock.System{}
	}
	return jobs.Kind{Name: AnswerJobKind, Handle: m.handle, Poll: 5 * time.Second, Lease: 2 * time.Minute, RetryAfter: time.Minute}
}

// RunOnce sends the due answers (tests).
func (m *AnswerMailer) RunOnce(ctx context.Context) (int, error) {
	return jobs.RunOnce(ctx, m.DB, m.Clock, m.Logger, m.Kind())
}

func (m *AnswerMailer) handle(ctx context.Context, j jobs.Job) error {
	var p answerJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		m.Logger.Error("answer email job unreadable; dropped", "job", j.ID)
		return jobs.Complete(ctx, m.DB, j.ID)
	}
	var kind, to string
	var xml []byte
	err := m.DB.QueryRowContext(ctx, `SELECT kind, email_to, xml FROM reception_answers WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		p.Answer, p.Workspace, p.TestMode).Scan(&kind, &to, &xml)
	if err != nil {
		return err
	}
	_, sendErr := m.SMTP.Send(ctx, answerMessage(kind, to, xml))
	now := m.Clock.Now()
	status := "sent"
	switch {
	case sendErr == nil:
	case p.Attempts+1 >= maxAnswerAttempts:
		m.Logger.Error("exchange answer not sent; giving up", "answer", p.Answer, "error", sendErr.Error())
		status = "failed"
	default:
		p.Attempts++
		b, _ := json.Marshal(p)
		_, err := m.DB.ExecContext(ctx, `UPDATE jobs SET payload = $1, run_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $3`,
			string(b), now.Add(time.Duration(p.Attempts)*10*time.Minute).UnixMicro(), j.ID)
		return err
	}
	return m.DB.InTx(ctx, func(q *sql.Tx) error {
		if _, err := q.ExecContext(ctx, `UPDATE reception_answers SET status = $1, sent = $2 WHERE id = $3`, status, now.UnixMicro(), p.Answer); err != nil {
			return err
		}
		return jobs.Complete(ctx, q, j.ID)
	})
}

// answerMessage is the email of an answer, its XML attached.
func answerMessage(kind, to string, xml []byte) mail.Message {
	v := map[string][2]string{
		AnswerReception: {"Acuse de recibo de envío de DTE", "RespuestaDTE_recepcion.xml"},
		AnswerResult:    {"Resultado de la revisión comercial de DTE", "RespuestaDTE_resultado.xml"},
		AnswerReceipt:   {"Recibo de mercaderías o servicios (Ley 19.983)", "EnvioRecibos.xml"},
	}[kind]
	subject, name := v[0], v[1]
	return mail.Message{To: []string{to}, Subject: subject,
		Text:        fmt.Sprintf("Adjuntamos %s, firmado electrónicamente según el formato de intercambio del SII.\n", name),
		Attachments: []mail.Attachment{{Name: name, ContentType: "application/xml", Data: xml}}}
}
