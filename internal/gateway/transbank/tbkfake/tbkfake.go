// Package tbkfake is a local stand-in for Transbank's Webpay Plus and
// Oneclick Mall REST endpoints (same paths, headers and JSON) and for its
// payment and inscription pages, on a loopback socket: tests run the real
// adapter against it (docs/payments.md#16-transbank). It is a fake, not a
// simulator of Transbank's every rule: amounts, buy orders, credentials,
// states of a transaction and refund limits are checked.
package tbkfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Card numbers of the fake's pages: DeclinedCard is refused; any other
// number is approved.
const DeclinedCard = "5186059559590568"

// Server is the fake. Keys are the accepted commerce codes with their API
// key (Transbank's integration credentials by default).
type Server struct {
	URL  string
	Keys map[string]string

	mu           sync.Mutex
	webpay       map[string]*webpayTx    // by token
	inscriptions map[string]*inscription // by token
	users        map[string]*inscription // by tbk_user
	mall         map[string]*mallTx      // by parent buy order
	dropNext     bool
	calls        []string
	srv          *http.Server
	ln           net.Listener
}

type webpayTx struct {
	BuyOrder, SessionID, ReturnURL, Status, Card string
	Amount, Balance                              int64
	Committed                                    bool
}

type inscription struct {
	Username, Email, ResponseURL, TbkUser, Card string
	Done, Declined                              bool
}

type mallTx struct {
	Username, ChildOrder, ChildCode, Status string
	Amount, Balance                         int64
}

// Start listens on a loopback port; Close stops it.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln,
		Keys:   map[string]string{"597055555532": integrationKey, "597055555541": integrationKey},
		webpay: map[string]*webpayTx{}, inscriptions: map[string]*inscription{}, users: map[string]*inscription{}, mall: map[string]*mallTx{}}
	s.srv = &http.Server{Handler: s.routes()}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

const integrationKey = "579B532A7440BB0C9079DED94D31EA1615BACEB56610332264630D42D0A36B1C"

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }

// DropNextAnswer makes the next API call do its work and then close the
// connection without answering (an answer lost on the way).
func (s *Server) DropNextAnswer() { s.mu.Lock(); s.dropNext = true; s.mu.Unlock() }

// Calls are the API calls received, "METHOD path", in order.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

const (
	webpayRoot   = "/rswebpaytransaction/api/webpay/v1.2"
	oneclickRoot = "/rswebpaytransaction/api/oneclick/v1.2"
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST "+webpayRoot+"/transactions", s.api(s.createWebpay))
	m.HandleFunc("PUT "+webpayRoot+"/transactions/{token}", s.api(s.commitWebpay))
	m.HandleFunc("GET "+webpayRoot+"/transactions/{token}", s.api(s.statusWebpay))
	m.HandleFunc("POST "+webpayRoot+"/transactions/{token}/refunds", s.api(s.refundWebpay))
	m.HandleFunc("POST "+oneclickRoot+"/inscriptions", s.api(s.startInscription))
	m.HandleFunc("PUT "+oneclickRoot+"/inscriptions/{token}", s.api(s.finishInscription))
	m.HandleFunc("DELETE "+oneclickRoot+"/inscriptions", s.api(s.deleteInscription))
	m.HandleFunc("POST "+oneclickRoot+"/transactions", s.api(s.authorizeMall))
	m.HandleFunc("GET "+oneclickRoot+"/transactions/{buy_order}", s.api(s.statusMall))
	m.HandleFunc("POST "+oneclickRoot+"/transactions/{buy_order}/refunds", s.api(s.refundMall))
	// Transbank takes the payer by a form POST of token_ws; a GET is refused
	// here so tests prove Cobro posts.
	m.HandleFunc("POST /webpayserver/initTransaction", s.payPage)
	m.HandleFunc("POST /webpayserver/pay", s.pay)
	// Oneclick's inscription page likewise takes a form POST of TBK_TOKEN.
	m.HandleFunc("POST /webpayserver/bp_inscription.cgi", s.inscriptionPage)
	m.HandleFunc("POST /webpayserver/inscribe", s.inscribe)
	return m
}

// answer is what an API handler returns: a status and a JSON body.
type answer struct {
	status int
	body   any
}

func fail(status int, msg string) answer {
	return answer{status, map[string]string{"error_message": msg}}
}

// api checks the credentials headers and the JSON body, and answers.
func (s *Server) api(h func(r *http.Request, in map[string]any) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls = append(s.calls, r.Method+" "+r.URL.Path)
		var a answer
		in := map[string]any{}
		switch key, ok := s.Keys[r.Header.Get("Tbk-Api-Key-Id")]; {
		case !ok || key != r.Header.Get("Tbk-Api-Key-Secret"):
			a = fail(http.StatusUnauthorized, "Not Authorized")
		case r.Method != http.MethodGet && r.Header.Get("Content-Type") != "application/json":
			a = fail(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		case r.ContentLength != 0 && r.Method != http.MethodGet && decodeJSON(r, &in) != nil:
			a = fail(http.StatusBadRequest, "Invalid JSON")
		default:
			a = h(r, in)
		}
		if s.dropNext {
			s.dropNext = false
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_ = json.NewEncoder(w).Encode(a.body)
	}
}

func token() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// decodeJSON reads a request body keeping numbers as written, so amounts
// are read exactly (json.Number), never through float64.
func decodeJSON(r *http.Request, in *map[string]any) error {
	d := json.NewDecoder(r.Body)
	d.UseNumber()
	return d.Decode(in)
}

// whole reads a positive whole amount; "100.5" or "1e3" is not one.
func whole(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil && i > 0
}

func text(in map[string]any, key string, max int) (string, bool) {
	v, ok := in[key].(string)
	return v, ok && v != "" && len(v) <= max
}

// ---- Webpay Plus

func (s *Server) createWebpay(_ *http.Request, in map[string]any) answer {
	bo, ok1 := text(in, "buy_order", 26)
	sid, ok2 := text(in, "session_id", 61)
	ret, ok3 := text(in, "return_url", 256)
	amount, ok4 := whole(in["amount"])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return fail(http.StatusUnprocessableEntity, "Invalid transaction: buy_order, session_id, amount and return_url are required")
	}
	t := token()
	s.webpay[t] = &webpayTx{BuyOrder: bo, SessionID: sid, ReturnURL: ret, Amount: amount, Balance: amount, Status: "INITIALIZED"}
	return answer{http.StatusOK, map[string]string{"token": t, "url": s.URL + "/webpayserver/initTransaction"}}
}

func (tx *webpayTx) view() map[string]any {
	code := -1
	if tx.Status == "AUTHORIZED" || tx.Status == "REVERSED" || tx.Status == "NULLIFIED" || tx.Status == "PARTIALLY_NULLIFIED" {
		code = 0
	}
	last4 := tx.Card
	if len(last4) > 4 {
		last4 = last4[len(last4)-4:]
	}
	return map[string]any{"vci": "TSY", "amount": tx.Amount, "status": tx.Status, "buy_order": tx.BuyOrder, "session_id": tx.SessionID,
		"card_detail": map[string]string{"card_number": last4}, "accounting_date": "0602", "transaction_date": "2026-06-02T14:15:00.000Z",
		"authorization_code": "1213", "payment_type_code": "VN", "response_code": code, "installments_number": 0, "balance": tx.Balance}
}

func (s *Server) commitWebpay(r *http.Request, _ map[string]any) answer {
	tx := s.webpay[r.PathValue("token")]
	switch {
	case tx == nil:
		return fail(http.StatusNotFound, "Transaction not found")
	case tx.Committed:
		return fail(http.StatusUnprocessableEntity, "Transaction already locked by another process")
	case tx.Status == "INITIALIZED" || tx.Status == "ABORTED":
		return fail(http.StatusUnprocessableEntity, "Invalid status '0' for transaction while authorizing")
	}
	tx.Committed = true
	return answer{http.StatusOK, tx.view()}
}

func (s *Server) statusWebpay(r *http.Request, _ map[string]any) answer {
	if tx := s.webpay[r.PathValue("token")]; tx != nil {
		return answer{http.StatusOK, tx.view()}
	}
	return fail(http.StatusNotFound, "Transaction not found")
}

func (s *Server) refundWebpay(r *http.Request, in map[string]any) answer {
	tx := s.webpay[r.PathValue("token")]
	amount, ok := whole(in["amount"])
	switch {
	case tx == nil:
		return fail(http.StatusNotFound, "Transaction not found")
	case !ok || !tx.Committed || tx.Status == "FAILED":
		return fail(http.StatusUnprocessableEntity, "Invalid refund")
	case amount > tx.Balance:
		return fail(http.StatusUnprocessableEntity, "Amount to refund is bigger than the transaction balance")
	}
	tx.Balance -= amount
	if amount == tx.Amount {
		tx.Status = "REVERSED"
		return answer{http.StatusOK, map[string]any{"type": "REVERSED"}}
	}
	tx.Status = "PARTIALLY_NULLIFIED"
	if tx.Balance == 0 {
		tx.Status = "NULLIFIED"
	}
	return answer{http.StatusOK, map[string]any{"type": "NULLIFIED", "authorization_code": "123456", "authorization_date": "2026-06-02T14:20:00.000Z",
		"nullified_amount": amount, "balance": tx.Balance, "response_code": 0}}
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:26rem;margin:2rem auto">
<h1>{{.Title}}</h1><p id="amount">{{.Detail}}</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="{{.TokenName}}" value="{{.Token}}">
<label>Número de tarjeta <input id="card" name="card" value="4051885600446623"></label>
<p><button id="pay" name="action" value="pay">Pagar</button>
<button id="cancel" name="action" value="cancel">Anular compra</button>
<button id="timeout" name="action" value="timeout">Dejar expirar</button></p></form></body></html>`))

func (s *Server) payPage(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, "token_ws", "Webpay (fake)", "/webpayserver/pay", func(t string) (string, bool) {
		tx := s.webpay[t]
		if tx == nil {
			return "", false
		}
		return fmt.Sprintf("Orden %s: $%d", tx.BuyOrder, tx.Amount), true
	})
}

// page shows the payer's page of the transaction the form field tokenName
// names, posting to action; detail describes it under the lock (false:
// no such token, 404).
func (s *Server) page(w http.ResponseWriter, r *http.Request, tokenName, title, action string, detail func(token string) (string, bool)) {
	t := r.FormValue(tokenName)
	s.mu.Lock()
	d, ok := detail(t)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "unknown "+tokenName, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTmpl.Execute(w, map[string]string{"Title": title, "Detail": d, "Action": action, "TokenName": tokenName, "Token": t})
}

// choice applies the payer's choice on a page (the form's action) to the
// transaction the form field tokenName names, under the lock, and sends
// the payer back: choose gives the return URL and its query (false: not
// open, 400 with notOpen).
func (s *Server) choice(w http.ResponseWriter, r *http.Request, tokenName, notOpen string, choose func(token, action string) (string, url.Values, bool)) {
	t := r.FormValue(tokenName)
	s.mu.Lock()
	ret, q, ok := choose(t, r.FormValue("action"))
	s.mu.Unlock()
	if !ok {
		http.Error(w, notOpen, http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, addQuery(ret, q), http.StatusSeeOther)
}

// pay is the payer's choice on the payment page; Transbank sends the
// payer back with token_ws (paid or declined), TBK_TOKEN (cancelled) or
// only the order and session (timed out).
func (s *Server) pay(w http.ResponseWriter, r *http.Request) {
	card := strings.ReplaceAll(r.FormValue("card"), " ", "")
	s.choice(w, r, "token_ws", "transaction not payable", func(t, action string) (string, url.Values, bool) {
		tx := s.webpay[t]
		if tx == nil || tx.Status != "INITIALIZED" {
			return "", nil, false
		}
		q := url.Values{}
		switch action {
		case "cancel":
			tx.Status = "ABORTED"
			q.Set("TBK_TOKEN", t)
			q.Set("TBK_ORDEN_COMPRA", tx.BuyOrder)
			q.Set("TBK_ID_SESION", tx.SessionID)
		case "timeout":
			tx.Status = "ABORTED"
			q.Set("TBK_ORDEN_COMPRA", tx.BuyOrder)
			q.Set("TBK_ID_SESION", tx.SessionID)
		default:
			tx.Card, tx.Status = card, "AUTHORIZED"
			if tx.Card == DeclinedCard {
				tx.Status = "FAILED"
			}
			q.Set("token_ws", t)
		}
		return tx.ReturnURL, q, true
	})
}

func addQuery(raw string, q url.Values) string {
	if strings.Contains(raw, "?") {
		return raw + "&" + q.Encode()
	}
	return raw + "?" + q.Encode()
}

// ---- Oneclick Mall

func (s *Server) startInscription(_ *http.Request, in map[string]any) answer {
	user, ok1 := text(in, "username", 40)
	email, ok2 := text(in, "email", 100)
	ret, ok3 := text(in, "response_url", 255)
	if !ok1 || !ok2 || !ok3 || !strings.Contains(email, "@") {
		return fail(http.StatusUnprocessableEntity, "username, email and response_url are required")
	}
	t := token()
	s.inscriptions[t] = &inscription{Username: user, Email: email, ResponseURL: ret}
	return answer{http.StatusOK, map[string]string{"token": t, "url_webpay": s.URL + "/webpayserver/bp_inscription.cgi"}}
}

func (s *Server) inscriptionPage(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, "TBK_TOKEN", "Oneclick (fake)", "/webpayserver/inscribe", func(t string) (string, bool) {
		in := s.inscriptions[t]
		if in == nil {
			return "", false
		}
		return "Inscripción de " + in.Email, true
	})
}

func (s *Server) inscribe(w http.ResponseWriter, r *http.Request) {
	card := strings.ReplaceAll(r.FormValue("card"), " ", "")
	s.choice(w, r, "TBK_TOKEN", "inscription not open", func(t, action string) (string, url.Values, bool) {
		in := s.inscriptions[t]
		if in == nil || in.Done {
			return "", nil, false
		}
		q := url.Values{"TBK_TOKEN": {t}}
		switch action {
		case "cancel":
			in.Declined = true
			q.Set("TBK_ORDEN_COMPRA", t[:10])
		case "timeout":
			in.Declined = true
			q = url.Values{}
		default:
			in.Card = card
			in.Declined = in.Card == DeclinedCard
		}
		return in.ResponseURL, q, true
	})
}

func (s *Server) finishInscription(r *http.Request, _ map[string]any) answer {
	in := s.inscriptions[r.PathValue("token")]
	switch {
	case in == nil:
		return fail(http.StatusNotFound, "Inscription not found")
	case in.Done:
		return fail(http.StatusUnprocessableEntity, "Inscription already finished")
	}
	in.Done = true
	if in.Declined || in.Card == "" {
		return answer{http.StatusOK, map[string]any{"response_code": -1}}
	}
	in.TbkUser = token()[:36]
	s.users[in.TbkUser] = in
	return answer{http.StatusOK, map[string]any{"response_code": 0, "tbk_user": in.TbkUser, "authorization_code": "1213",
		"card_type": "Visa", "card_number": "XXXXXXXXXXXX" + in.Card[len(in.Card)-4:]}}
}

func (s *Server) deleteInscription(_ *http.Request, in map[string]any) answer {
	user, _ := in["tbk_user"].(string)
	if u := s.users[user]; u == nil || u.Username != in["username"] {
		return fail(http.StatusNotFound, "Inscription not found")
	}
	delete(s.users, user)
	return answer{http.StatusNoContent, nil}
}

func (s *Server) authorizeMall(_ *http.Request, in map[string]any) answer {
	user, _ := in["tbk_user"].(string)
	bo, ok := text(in, "buy_order", 26)
	details, _ := in["details"].([]any)
	u := s.users[user]
	switch {
	case u == nil || u.Username != in["username"]:
		return fail(http.StatusUnprocessableEntity, "Invalid tbk_user for username")
	case !ok || len(details) != 1:
		return fail(http.StatusUnprocessableEntity, "buy_order and one detail are required")
	case s.mall[bo] != nil:
		return fail(http.StatusUnprocessableEntity, "Buy order already used")
	}
	d, _ := details[0].(map[string]any)
	amount, ok := whole(d["amount"])
	child, ok2 := text(d, "buy_order", 26)
	code, _ := d["commerce_code"].(string)
	if !ok || !ok2 || code == "" || child == bo {
		return fail(http.StatusUnprocessableEntity, "Invalid detail")
	}
	status := "AUTHORIZED"
	if u.Card == DeclinedCard {
		status = "REJECTED"
	}
	s.mall[bo] = &mallTx{Username: u.Username, ChildOrder: child, ChildCode: code, Status: status, Amount: amount, Balance: amount}
	return answer{http.StatusOK, s.mallView(bo)}
}

func (s *Server) mallView(bo string) map[string]any {
	tx := s.mall[bo]
	code := -1
	if tx.Status != "REJECTED" {
		code = 0
	}
	return map[string]any{"buy_order": bo, "card_detail": map[string]string{"card_number": "6623"}, "accounting_date": "0602",
		"transaction_date": "2026-06-02T14:15:00.000Z", "details": []any{map[string]any{"amount": tx.Amount, "status": tx.Status,
			"authorization_code": "1213", "payment_type_code": "VN", "response_code": code, "installments_number": 1,
			"commerce_code": tx.ChildCode, "buy_order": tx.ChildOrder, "balance": tx.Balance}}}
}

func (s *Server) statusMall(r *http.Request, _ map[string]any) answer {
	if s.mall[r.PathValue("buy_order")] == nil {
		return fail(http.StatusNotFound, "Transaction not found")
	}
	return answer{http.StatusOK, s.mallView(r.PathValue("buy_order"))}
}

func (s *Server) refundMall(r *http.Request, in map[string]any) answer {
	tx := s.mall[r.PathValue("buy_order")]
	amount, ok := whole(in["amount"])
	switch {
	case tx == nil || in["detail_buy_order"] != tx.ChildOrder || in["commerce_code"] != tx.ChildCode:
		return fail(http.StatusNotFound, "Transaction not found")
	case !ok || tx.Status == "REJECTED" || amount > tx.Balance:
		return fail(http.StatusUnprocessableEntity, "Invalid refund amount")
	}
	tx.Balance -= amount
	if amount == tx.Amount {
		tx.Status = "REVERSED"
		return answer{http.StatusOK, map[string]any{"type": "REVERSED"}}
	}
	tx.Status = "PARTIALLY_NULLIFIED"
	return answer{http.StatusOK, map[string]any{"type": "NULLIFIED", "authorization_code": "654321", "nullified_amount": amount,
		"balance": tx.Balance, "response_code": 0}}
}
