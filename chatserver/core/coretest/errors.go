// Package coretest holds test helpers over package core.
package coretest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

// errs lists every exported error of package core. Errors fails a test
// when core declares one this list lacks: add it here, with a kind.
var errs = map[string]error{
	"ErrInvalid":              core.ErrInvalid,
	"ErrInvalidText":          core.ErrInvalidText,
	"ErrInvalidValue":         core.ErrInvalidValue,
	"ErrUnauthorized":         core.ErrUnauthorized,
	"ErrAppDisabled":          core.ErrAppDisabled,
	"ErrAppNotFound":          core.ErrAppNotFound,
	"ErrUserNotFound":         core.ErrUserNotFound,
	"ErrUserExists":           core.ErrUserExists,
	"ErrAlreadyFriends":       core.ErrAlreadyFriends,
	"ErrNotFriends":           core.ErrNotFriends,
	"ErrGroupNotFound":        core.ErrGroupNotFound,
	"ErrSwitchGroupNotFound":  core.ErrSwitchGroupNotFound,
	"ErrAlreadyMember":        core.ErrAlreadyMember,
	"ErrGroupFull":            core.ErrGroupFull,
	"ErrNotMember":            core.ErrNotMember,
	"ErrChatroomNotFound":     core.ErrChatroomNotFound,
	"ErrChatroomFull":         core.ErrChatroomFull,
	"ErrNotChatroomMember":    core.ErrNotChatroomMember,
	"ErrNoPermission":         core.ErrNoPermission,
	"ErrBlacklisted":          core.ErrBlacklisted,
	"ErrMessageNotFound":      core.ErrMessageNotFound,
	"ErrRetractTooLate":       core.ErrRetractTooLate,
	"ErrAlreadyRetracted":     core.ErrAlreadyRetracted,
	"ErrNoDisturbOn":          core.ErrNoDisturbOn,
	"ErrNoDisturbOff":         core.ErrNoDisturbOff,
	"ErrWordNotFound":         core.ErrWordNotFound,
	"ErrMediaNotFound":        core.ErrMediaNotFound,
	"ErrMediaTooLarge":        core.ErrMediaTooLarge,
	"ErrMediaLinkInvalid":     core.ErrMediaLinkInvalid,
	"ErrSessionInvalid":       core.ErrSessionInvalid,
	"ErrUserForbidden":        core.ErrUserForbidden,
	"ErrRegionNotAllowed":     core.ErrRegionNotAllowed,
	"ErrCodeRateLimited":      core.ErrCodeRateLimited,
	"ErrCodeWrong":            core.ErrCodeWrong,
	"ErrCodeExpired":          core.ErrCodeExpired,
	"ErrSMSNotConfigured":     core.ErrSMSNotConfigured,
	"ErrSMSUndeliverable":     core.ErrSMSUndeliverable,
	"ErrVerificationRequired": core.ErrVerificationRequired,
	"ErrRegistrationClosed":   core.ErrRegistrationClosed,
	"ErrUsernameRejected":     core.ErrUsernameRejected,
	"ErrPasswordRejected":     core.ErrPasswordRejected,
	"ErrTooManyAttempts":      core.ErrTooManyAttempts,
	"ErrCaptchaRequired":      core.ErrCaptchaRequired,
	"ErrCaptchaWrong":         core.ErrCaptchaWrong,
	"ErrCaptchaNotFound":      core.ErrCaptchaNotFound,
	"ErrCrossAppDenied":       core.ErrCrossAppDenied,
	"ErrSendInProgress":       core.ErrSendInProgress,
	"ErrUploadTokenInvalid":   core.ErrUploadTokenInvalid,
	"ErrWrongCredentials":     core.ErrWrongCredentials,
	"ErrSTAccountTaken":       core.ErrSTAccountTaken,
}

// Errors returns every exported error of package core by name. It fails
// t when core's source declares an exported Err var the list lacks, or
// the list names one core no longer declares.
func Errors(t testing.TB) map[string]error {
	t.Helper()
	declared := declaredErrors(t)
	for name := range declared {
		if _, ok := errs[name]; !ok {
			t.Errorf("core declares %s, which coretest's list lacks: add it to chatserver/core/coretest/errors.go", name)
		}
	}
	for name := range errs {
		if !declared[name] {
			t.Errorf("coretest lists %s, which core does not declare", name)
		}
	}
	return errs
}

// Names returns the keys of m in order, for stable test output.
func Names(m map[string]error) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CheckAnswers walks every exported core error, bare and wrapped, through
// a face's table: answer returns the HTTP status it answers with and
// whether the table fell back to its internal answer. None may be
// internal, and none a 5xx unless its kind is Unavailable.
func CheckAnswers(t *testing.T, answer func(error) (status int, internal bool)) {
	t.Helper()
	all := Errors(t)
	for _, name := range Names(all) {
		err := all[name]
		for _, e := range []error{err, wrap(err)} {
			status, internal := answer(e)
			if internal {
				t.Errorf("%s (%v) falls back to the internal answer %d", name, e, status)
				continue
			}
			if status >= http.StatusInternalServerError && core.KindOf(err) != core.KindUnavailable {
				t.Errorf("%s (kind %v) answers %d", name, core.KindOf(err), status)
			}
		}
	}
}

func wrap(err error) error { return &wrapped{err} }

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "while testing: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// declaredErrors parses core's source for its exported package-level
// vars named Err*.
func declaredErrors(t testing.TB) map[string]bool {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("coretest: cannot find its own source")
	}
	dir := filepath.Dir(filepath.Dir(self))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	declared := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					if strings.HasPrefix(id.Name, "Err") && id.IsExported() {
						declared[id.Name] = true
					}
				}
			}
		}
	}
	if len(declared) == 0 {
		t.Fatalf("coretest: no Err vars found in %s", dir)
	}
	return declared
}
