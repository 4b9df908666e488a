package reception

import (
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/document"
)

// answerReception records the envelope's reception answer (RecepcionEnvio).
func answerReception(e document.Env, st *clsii.Stored, in *Intake, env *Envelope, replyTo string) error {
	return nil
}
