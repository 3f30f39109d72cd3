package platform

import (
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core/coretest"
)

// TestEveryCoreErrorHasAnAnswer: no core error becomes a 500 on this
// face, whether its table lists it or answers its kind.
func TestEveryCoreErrorHasAnAnswer(t *testing.T) {
	coretest.CheckAnswers(t, func(err error) (int, bool) {
		a, internal := errorTable.Lookup(err)
		return a.HTTPStatus(), internal
	})
}
