package sii

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// xmlsecVerify checks the signature at node with xmlsec1, the IDs being
// the ID attributes of idNodes.
func xmlsecVerify(t *testing.T, xml []byte, node string, idNodes ...string) {
	t.Helper()
	if _, err := exec.LookPath("xmlsec1"); err != nil {
		t.Skip("SKIP: xmlsec1 is not installed")
	}
	p := filepath.Join(t.TempDir(), "answer.xml")
	if err := os.WriteFile(p, xml, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--verify"}
	for _, n := range idNodes {
		args = append(args, "--id-attr:ID", n)
	}
	out, err := exec.Command("xmlsec1", append(args, "--node-xpath", node, p)...).CombinedOutput()
	if err != nil {
		t.Fatalf("xmlsec1 %s: %s\n%s", node, out, xml)
	}
}

func TestExchangeAnswers(t *testing.T) {
	if !XMLLintAvailable() {
		t.Skip("SKIP: xmllint is not installed")
	}
	now := time.Date(2026, 6, 2, 14, 15, 0, 0, time.UTC)
	p := ExchangeParty{Responder: "76086428-5", Recipient: "77123456-9", Contact: "Comercial Andes SpA", Email: "dte@andes.cl"}
	key := DocKey{Type: 33, Folio: 7, Date: "2026-06-02", IssuerRUT: "77123456-9", ReceiverRUT: "76086428-5", Total: "63719"}
	cert := SandboxCertificate()
	rec, err := BuildRecepcionEnvio(p, AnswerNumber("a"), EnvelopeReception{FileName: "envio.xml", Received: now, Code: AnswerNumber("b"),
		EnvelopeID: "SetDoc", IssuerRUT: "77123456-9", ReceiverRUT: "76086428-5", Status: 0, Gloss: "Envio recibido conforme",
		Docs: []DocReception{{DocKey: key, Status: 0, Gloss: "DTE recibido OK"}}}, cert, now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := BuildResultadoDTE(p, AnswerNumber("c"), []DocResult{{DocKey: key, Code: AnswerNumber("b"), Status: 2, Gloss: "Precio distinto al acordado", Reason: -1}}, cert, now)
	if err != nil {
		t.Fatal(err)
	}
	rcb, err := BuildEnvioRecibos(p, []Receipt{{DocKey: key, Place: "Av. Apoquindo 4501", SignerRUT: "76086428-5"}}, cert, now)
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range map[string][]byte{"RecepcionEnvio": rec, "ResultadoDTE": res, "EnvioRecibos": rcb} {
		if msgs := ExchangeSchemaCheck(x); msgs != nil {
			t.Errorf("%s: %v\n%s", name, msgs, x)
		}
	}
	xmlsecVerify(t, rec, "/*/*[local-name()='Signature']", "Resultado")
	xmlsecVerify(t, res, "/*/*[local-name()='Signature']", "Resultado")
	xmlsecVerify(t, rcb, "/*/*[local-name()='Signature']", "SetRecibos", "DocumentoRecibo")
	xmlsecVerify(t, rcb, "/*/*/*/*[local-name()='Signature']", "SetRecibos", "DocumentoRecibo")
	// a broken answer fails the schema: the oracle is not blind
	if msgs := ExchangeSchemaCheck([]byte(`<RespuestaDTE xmlns="http://www.sii.cl/SiiDte" version="1.0"/>`)); msgs == nil {
		t.Error("an empty RespuestaDTE validates")
	}
}
