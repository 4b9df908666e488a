package clsii

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// The worker's steps. Each runs its network call outside any transaction
// and records its outcome in one transaction that first re-reads (and
// locks) the document, so a step that lost a race or ran twice changes
// nothing. The envelope is stored at finalize; the track id is recorded
// before the poll is queued; a process killed at any point leaves the
// job to run again from the recorded state.

// maxSendAttempts bounds delivery retries: with sendBackoff that is
// about 24 hours (docs/tax-agency.md#91-which-endpoint), then AGENCY_UNREACHABLE.
const maxSendAttempts = 30

// answerWindow is how long the poll waits for a final verdict.
const answerWindow = 24 * time.Hour

// sendBackoff after the n-th failed upload: 1, 2, 4 … minutes, at most
// one hour.
func sendBackoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// pollEvery: every minute for the first 10 minutes after the upload,
// then every 15 minutes (docs/tax-agency.md#91-which-endpoint).
func pollEvery(age time.Duration) time.Duration {
	if age < 10*time.Minute {
		return time.Minute
	}
	return 15 * time.Minute
}

// retryLater makes the loop run the job again after delay.
type retryLater struct {
	delay time.Duration
	cause error
}

func (r *retryLater) Error() string {
	if r.cause == nil {
		return "not final yet"
	}
	return r.cause.Error()
}

func (r *retryLater) Unwrap() error { return r.cause }

func retryDelay(err error) time.Duration {
	var r *retryLater
	if errors.As(err, &r) {
		return r.delay
	}
	return time.Minute
}

// subject is a document of a job with what its steps need.
type subject struct {
	sc          workspace.Scope
	kind        string
	status      string
	ta          map[string]any
	file        []byte
	settings    *Stored
	environment string
}

func (s *subject) attempts() int { n, _ := strconv.Atoi(fmt.Sprint(s.ta["attempts"])); return n }

func (s *subject) boleta() bool {
	return strings.Contains(string(s.file[:min(len(s.file), 200)]), "<EnvioBOLETA")
}

func (s *subject) stamp(now time.Time) string { return now.In(locOf(s.sc)).Format(clock.Layout) }

// load reads the document of p (locked when lock); nil when it is gone.
func (w *Worker) load(ctx context.Context, q store.Querier, p jobPayload, lock bool) (*subject, error) {
	ws, err := workspace.ByID(ctx, q, p.Workspace)
	if err != nil {
		return nil, err
	}
	s := &subject{sc: workspace.Scope{Workspace: ws, TestMode: p.TestMode}}
	var taRaw string
	var fid sql.NullString
	forUpdate := ""
	if lock {
		forUpdate = w.DB.Dialect.ForUpdate()
	}
	err = q.QueryRowContext(ctx, `SELECT kind, biller_status, tax_agency, local_file FROM documents WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`+
		forUpdate, p.Document, s.sc.ID, s.sc.TestMode).Scan(&s.kind, &s.status, &taRaw, &fid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// numbers stay exact text (json.Number): folios are never floats
	dec := json.NewDecoder(strings.NewReader(taRaw))
	dec.UseNumber()
	if err := dec.Decode(&s.ta); err != nil || s.ta == nil {
		s.ta = map[string]any{}
	}
	s.environment, _ = s.ta["environment"].(string)
	if s.environment == "" {
		s.environment = "sandbox"
	}
	if err := q.QueryRowContext(ctx, `SELECT data FROM files WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, fid.String, s.sc.ID, s.sc.TestMode).Scan(&s.file); err != nil {
		return nil, fmt.Errorf("file of %s: %w", p.Document, err)
	}
	s.settings, err = Load(ctx, q, s.sc)
	return s, err
}

func (w *Worker) biller() *Biller {
	if w.Biller != nil {
		return w.Biller
	}
	return &Biller{}
}

// send is the "send" step: count the attempt, upload, record the track
// id and queue the poll.
func (w *Worker) send(ctx context.Context, j jobs.Job, p jobPayload, now time.Time) error {
	var s *subject
	err := w.DB.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if s, err = w.load(ctx, tx, p, true); err != nil {
			return err
		}
		if s == nil || s.status != biller.StatusQueued {
			s = nil
			return jobs.Complete(ctx, tx, j.ID)
		}
		// counted before the upload: a later attempt knows an earlier one
		// may have reached the SII
		s.ta["attempts"] = s.attempts() + 1
		return setDoc(ctx, tx, s.sc, p.Document, biller.StatusQueued, s.ta, now)
	})
	if err != nil || s == nil {
		return err
	}
	b := w.biller()
	track, uerr := b.upload(ctx, s, now)
	var repeat *sii.Answer
	if siiws.IsAlreadyReceived(uerr) {
		// an earlier attempt reached the SII before the process stopped:
		// the document's own state settles it
		repeat, uerr = b.repeatVerdict(ctx, s, now, uerr)
	}
	return w.DB.InTx(ctx, func(tx *sql.Tx) error {
		cur, err := w.load(ctx, tx, p, true)
		if err != nil {
			return err
		}
		if cur == nil || cur.status != biller.StatusQueued {
			return jobs.Complete(ctx, tx, j.ID)
		}
		if repeat != nil {
			if err := w.settle(ctx, tx, cur, p.Document, *repeat, now); err != nil {
				return err
			}
			return jobs.Complete(ctx, tx, j.ID)
		}
		if uerr != nil {
			if siiws.IsTemporary(uerr) && cur.attempts() < maxSendAttempts {
				return &retryLater{sendBackoff(cur.attempts()), uerr}
			}
			msg := sii.Message{Code: "AGENCY_UNREACHABLE", Severity: "error", Text: "The SII could not be reached for 24 hours: " + uerr.Error()}
			var se *siiws.Error
			if errors.As(uerr, &se) && se.Kind == siiws.Refused {
				msg = sii.Message{Code: se.Code, Severity: "error", Text: se.Msg}
			}
			a := sii.Answer{Status: "", DocStatus: "RCH", Messages: []sii.Message{msg}}
			if err := w.settle(ctx, tx, cur, p.Document, a, now); err != nil {
				return err
			}
			return jobs.Complete(ctx, tx, j.ID)
		}
		cur.ta["track_id"], cur.ta["status"], cur.ta["submitted"] = track, "REC", cur.stamp(now)
		if err := setDoc(ctx, tx, cur.sc, p.Document, biller.StatusProcessing, cur.ta, now); err != nil {
			return err
		}
		next := jobPayload{Document: p.Document, Workspace: p.Workspace, TestMode: p.TestMode, Phase: "poll"}
		if err := jobs.Enqueue(ctx, tx, JobKind, j.Key+":poll:"+track, next, now.Add(PollDelay), now); err != nil {
			return err
		}
		return jobs.Complete(ctx, tx, j.ID)
	})
}

// upload sends the envelope with the workspace's certificate.
func (b *Biller) upload(ctx context.Context, s *subject, now time.Time) (string, error) {
	cert, err := b.certificate(s.settings, s.sc, now)
	if err != nil {
		return "", &siiws.Error{Kind: siiws.Refused, Code: "CERTIFICATE", Msg: err.Error()}
	}
	c, err := b.client(s.environment)
	if err != nil {
		return "", err
	}
	return c.Upload(ctx, cert, str(s.settings.RUT), s.file, s.boleta())
}

// repeatVerdict settles an upload the SII had received already (STATUS
// 99): the document accepted (DOK) is the verdict; any other state, or
// no answer, is retried like a failed upload, so after maxSendAttempts
// the document fails with the SII's own words.
func (b *Biller) repeatVerdict(ctx context.Context, s *subject, now time.Time, uerr error) (*sii.Answer, error) {
	q, ok := docQuery(s.file)
	if !ok {
		return nil, uerr
	}
	cert, err := b.certificate(s.settings, s.sc, now)
	if err != nil {
		return nil, uerr
	}
	c, err := b.client(s.environment)
	if err != nil {
		return nil, err
	}
	ds, err := c.DocStatus(ctx, cert, q)
	if err != nil {
		return nil, err
	}
	if ds.State != "DOK" {
		return nil, &siiws.Error{Kind: siiws.Temporary, Code: "UPL-99",
			Msg: "The SII had already received this envelope, but it shows the document as " + ds.State + " (" + ds.Text + ")."}
	}
	return &sii.Answer{Status: "EPR", DocStatus: "DOK", Messages: []sii.Message{{Code: "DUPLICATE_UPLOAD", Severity: "info",
		Text: "The envelope was sent again after an interruption; the SII already had the document (" + ds.Text + ")."}}}, nil
}

// poll is the "poll" step: ask for the envelope's state until it is
// final, then record the verdict.
func (w *Worker) poll(ctx context.Context, j jobs.Job, p jobPayload, now time.Time) error {
	s, err := w.load(ctx, w.DB, p, false)
	if err != nil {
		return err
	}
	if s == nil || s.status != biller.StatusProcessing {
		return jobs.Complete(ctx, w.DB, j.ID)
	}
	var a sii.Answer
	if p.Answer != nil { // queued by a version that answered at send
		a = *p.Answer
	} else {
		submitted, _ := time.Parse(clock.Layout, fmt.Sprint(s.ta["submitted"]))
		age := now.Sub(submitted)
		var final bool
		a, final, err = w.biller().verdict(ctx, s, now)
		switch {
		case err != nil && age < answerWindow:
			return &retryLater{pollEvery(age), err}
		case err == nil && !final && age < answerWindow:
			return &retryLater{pollEvery(age), nil}
		case err != nil || !final:
			a = sii.Answer{Status: fmt.Sprint(s.ta["status"]), DocStatus: "RCH", Messages: []sii.Message{{Code: "AGENCY_NO_ANSWER", Severity: "error",
				Text: "The SII gave no final answer within 24 hours; check the envelope with its track id at sii.cl."}}}
		}
	}
	return w.DB.InTx(ctx, func(tx *sql.Tx) error {
		cur, err := w.load(ctx, tx, p, true)
		if err != nil {
			return err
		}
		if cur == nil || cur.status != biller.StatusProcessing {
			return jobs.Complete(ctx, tx, j.ID)
		}
		if cur.environment == "sandbox" {
			sb := &sii.Sandbox{Seen: sandboxSeen(ctx, tx, cur.sc)}
			td, folio := docNumber(cur.file)
			sb.CheckDuplicate(&a, str(cur.settings.RUT), td, folio)
		}
		if err := w.settle(ctx, tx, cur, p.Document, a, now); err != nil {
			return err
		}
		return jobs.Complete(ctx, tx, j.ID)
	})
}

// verdict asks the agency for the state of the recorded envelope; final
// is false while the SII is still processing it.
func (b *Biller) verdict(ctx context.Context, s *subject, now time.Time) (sii.Answer, bool, error) {
	cert, err := b.certificate(s.settings, s.sc, now)
	if err != nil {
		return sii.Answer{}, false, err
	}
	c, err := b.client(s.environment)
	if err != nil {
		return sii.Answer{}, false, err
	}
	track := fmt.Sprint(s.ta["track_id"])
	st, err := c.UploadStatus(ctx, cert, str(s.settings.RUT), track, s.boleta())
	if err != nil || !st.Final() {
		return sii.Answer{}, false, err
	}
	a := answerOf(track, st)
	if a.DocStatus == "RCH" && s.attempts() > 1 && onlyRepeated(a.Messages) {
		// an earlier attempt reached the SII before the process stopped:
		// the SII has the document already, the repeat is not a rejection
		if q, ok := docQuery(s.file); ok {
			ds, err := c.DocStatus(ctx, cert, q)
			if err != nil {
				return sii.Answer{}, false, err
			}
			if ds.State == "DOK" {
				a.DocStatus = "DOK"
				a.Messages = []sii.Message{{Code: "DUPLICATE_UPLOAD", Severity: "info",
					Text: "The envelope was sent again after an interruption; the SII already had the document (" + ds.Text + ")."}}
			}
		}
	}
	return a, true, nil
}

// onlyRepeated reports whether every error says the folio was already
// received (the sandbox's DUP-001, the SII's "DTE Repetido").
func onlyRepeated(ms []sii.Message) bool {
	if len(ms) == 0 {
		return false
	}
	for _, m := range ms {
		if m.Severity == "error" && m.Code != "DUP-001" && !strings.Contains(strings.ToLower(m.Text), "repetido") {
			return false
		}
	}
	return true
}

// docQuery is the QueryEstDte key of the envelope's document.
func docQuery(file []byte) (siiws.DocQuery, bool) {
	root, err := sii.Parse(file)
	if err != nil {
		return siiws.DocQuery{}, false
	}
	enc := root.Path("SetDTE", "DTE", "Documento", "Encabezado")
	td, folio := docNumber(file)
	return siiws.DocQuery{Company: enc.Path("Emisor", "RUTEmisor").Text(), Receiver: enc.Path("Receptor", "RUTRecep").Text(), Type: td, Folio: folio,
		Date: enc.Path("IdDoc", "FchEmis").Text(), Amount: enc.Path("Totales", "MntTotal").Text()}, enc != nil
}

// docNumber is the type and folio of the envelope's document.
func docNumber(file []byte) (int, int64) {
	root, err := sii.Parse(file)
	if err != nil {
		return 0, 0
	}
	id := root.Path("SetDTE", "DTE", "Documento", "Encabezado", "IdDoc")
	td, _ := strconv.Atoi(id.Child("TipoDTE").Text())
	folio, _ := strconv.ParseInt(id.Child("Folio").Text(), 10, 64)
	return td, folio
}

// settle records a final answer: tax_agency, biller_status, the
// biller_succeeded/biller_failed event, and the subscriptions' hook.
func (w *Worker) settle(ctx context.Context, tx *sql.Tx, s *subject, docID string, a sii.Answer, now time.Time) error {
	if a.Messages == nil {
		a.Messages = []sii.Message{}
	}
	if a.Status != "" {
		s.ta["status"] = a.Status
	}
	s.ta["document_status"], s.ta["result"], s.ta["messages"], s.ta["answered"] = a.DocStatus, a.Result(), a.Messages, s.stamp(now)
	final, evt := biller.StatusSucceeded, "biller_succeeded"
	if a.Result() == "rejected" {
		final, evt = biller.StatusFailed, "biller_failed"
	}
	if err := setDoc(ctx, tx, s.sc, docID, final, s.ta, now); err != nil {
		return err
	}
	if final == biller.StatusFailed && w.Rejected != nil {
		if err := w.Rejected.DocumentRejected(ctx, tx, s.sc, docID, now); err != nil {
			return err
		}
	}
	if prefix := eventPrefix[s.kind]; prefix != "" {
		return event.Emit(ctx, tx, s.sc, prefix+"."+evt, docID, now)
	}
	return nil
}
