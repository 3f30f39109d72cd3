package core_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/core/coretest"
)

// TestEveryErrorHasAKind: faces answer an error they do not list by its
// kind, so a core error without one would be a 500.
func TestEveryErrorHasAKind(t *testing.T) {
	all := coretest.Errors(t)
	for _, name := range coretest.Names(all) {
		err := all[name]
		if k := core.KindOf(err); k == core.KindNone {
			t.Errorf("%s has no kind", name)
		}
		wrapped := fmt.Errorf("context: %w", err)
		if core.KindOf(wrapped) != core.KindOf(err) {
			t.Errorf("%s wrapped has kind %v, bare %v", name, core.KindOf(wrapped), core.KindOf(err))
		}
		if !errors.Is(wrapped, err) {
			t.Errorf("errors.Is(wrapped %s, %s) is false", name, name)
		}
		for _, other := range coretest.Names(all) {
			if other != name && all[other] != err && errors.Is(err, all[other]) {
				t.Errorf("errors.Is(%s, %s) is true", name, other)
			}
		}
	}
	if k := core.KindOf(errors.New("not a core error")); k != core.KindNone {
		t.Errorf("an unknown error has kind %v", k)
	}
}
