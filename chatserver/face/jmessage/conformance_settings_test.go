package jmessage_test

import (
	"net/http"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func (f *fixture) sdkRegisterStatus(t *testing.T) int {
	t.Helper()
	r := f.do(t, "GET", "/v1/sdkregister/status", nil)
	wantStatus(t, r, http.StatusOK)
	var s map[string]any
	r.JSON(t, &s)
	v, ok := s["status"].(float64)
	if !ok || len(s) != 1 {
		t.Fatalf("sdkregister status body = %s, want {\"status\":N}", r.Body)
	}
	return int(v)
}

// 设置 / 获得 SDK-API 用户注册开关: PUT ?status=0|1 (or a JSON body)
// → 204; GET → {"status":N}; default on.
func TestConformanceSDKRegisterStatus(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		if s := f.sdkRegisterStatus(t); s != 1 {
			t.Fatalf("default status %d, want 1", s)
		}
		steps := []struct {
			name  string
			query string
			body  any
			want  int
		}{
			{"query 0", "?status=0", nil, 0},
			{"query 1", "?status=1", nil, 1},
			{"body 0", "", map[string]any{"status": 0}, 0},
			{"body 1", "", map[string]any{"status": 1}, 1},
			{"query 0 again", "?status=0", nil, 0},
		}
		for _, s := range steps {
			wantStatus(t, f.do(t, "PUT", "/v1/sdkregister/status"+s.query, s.body), http.StatusNoContent)
			if got := f.sdkRegisterStatus(t); got != s.want {
				t.Fatalf("%s: GET says %d, want %d", s.name, got, s.want)
			}
		}

		bad := []struct {
			query string
			body  any
		}{
			{"?status=2", nil},
			{"?status=-1", nil},
			{"?status=abc", nil},
			{"?status=", nil},
			{"", nil},
			{"", map[string]any{}},
			{"", map[string]any{"status": 5}},
			{"", map[string]any{"status": "1"}},
			{"", `{"status":`},
		}
		for _, c := range bad {
			wantError(t, f.do(t, "PUT", "/v1/sdkregister/status"+c.query, c.body), http.StatusBadRequest, codeBadParam)
		}
		if got := f.sdkRegisterStatus(t); got != 0 {
			t.Fatalf("refused PUTs changed the status to %d", got)
		}
		// The switch is per app.
		if got := f.otherApp(t).sdkRegisterStatus(t); got != 1 {
			t.Errorf("another app's status is %d, want 1", got)
		}
	})
}
