package httpio

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

type testAnswer struct {
	status int
	code   string
}

func (a testAnswer) HTTPStatus() int { return a.status }

var testTable = ErrorTable[testAnswer]{
	Face:      "test",
	Overrides: []ErrorOverride[testAnswer]{Override(core.ErrUserNotFound, testAnswer{404, "no_user"})},
	Kinds: map[core.Kind]testAnswer{
		core.KindNotFound:    {404, "not_found"},
		core.KindUnavailable: {503, "unavailable"},
	},
	Internal: testAnswer{500, "internal"},
}

func TestErrorTableLookup(t *testing.T) {
	for _, tc := range []struct {
		err      error
		want     testAnswer
		internal bool
	}{
		{fmt.Errorf("x: %w", core.ErrUserNotFound), testAnswer{404, "no_user"}, false},
		{fmt.Errorf("x: %w", core.ErrGroupNotFound), testAnswer{404, "not_found"}, false},
		{core.ErrSMSUndeliverable, testAnswer{503, "unavailable"}, false},
		{core.ErrInvalid, testAnswer{500, "internal"}, true},
		{errors.New("boom"), testAnswer{500, "internal"}, true},
	} {
		got, internal := testTable.Lookup(tc.err)
		if got != tc.want || internal != tc.internal {
			t.Errorf("Lookup(%v) = %v, %v; want %v, %v", tc.err, got, internal, tc.want, tc.internal)
		}
	}
}

// TestErrorTableLogsServerErrors: every 5xx is logged with the request's
// method and path and the error; a 4xx is not.
func TestErrorTableLogsServerErrors(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	r := httptest.NewRequest(http.MethodPost, "/apps/k/user/login", nil)
	testTable.Answer(r, errors.New("database on fire"))
	testTable.Answer(r, core.ErrSMSUndeliverable)
	testTable.Answer(r, core.ErrGroupNotFound)
	out := buf.String()
	if n := strings.Count(out, "level=ERROR"); n != 2 {
		t.Fatalf("want 2 error lines, got %d:\n%s", n, out)
	}
	for _, want := range []string{"method=POST", "path=/apps/k/user/login", `error="database on fire"`, "face=test", "could not be delivered"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "group not found") {
		t.Errorf("a 4xx was logged:\n%s", out)
	}
}
