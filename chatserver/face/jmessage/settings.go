package jmessage

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// addWords: POST /v1/sensitiveword with a word array.
func (f *Face) addWords(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(words []string) error {
		return f.svc.AddWords(r.Context(), app, words)
	})
}

type replaceWordJSON struct {
	OldWord string `json:"old_word"`
	NewWord string `json:"new_word"`
}

// replaceWord: PUT /v1/sensitiveword.
func (f *Face) replaceWord(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(body replaceWordJSON) error {
		return f.svc.ReplaceWord(r.Context(), app, body.OldWord, body.NewWord)
	})
}

type deleteWordJSON struct {
	Word string `json:"word"`
}

// deleteWord: DELETE /v1/sensitiveword.
func (f *Face) deleteWord(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(body deleteWordJSON) error {
		return f.svc.DeleteWord(r.Context(), app, body.Word)
	})
}

type wordJSON struct {
	Name  string `json:"name"`
	Itime string `json:"itime"`
}

type wordListJSON struct {
	Start int        `json:"start"`
	Count int        `json:"count"`
	Words []wordJSON `json:"words"`
	Total int        `json:"total"`
}

// listWords: GET /v1/sensitiveword?start=&count=.
func (f *Face) listWords(w http.ResponseWriter, r *http.Request, app model.App) {
	p, err := page(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	words, total, err := f.svc.ListWords(r.Context(), app, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := wordListJSON{Start: p.Start, Count: len(words), Total: total, Words: make([]wordJSON, len(words))}
	for i, wd := range words {
		out.Words[i] = wordJSON{Name: wd.Word, Itime: formatTime(wd.Inserted)}
	}
	writeJSON(w, http.StatusOK, out)
}

type statusJSON struct {
	Status int `json:"status"`
}

func statusOf(on bool) statusJSON {
	if on {
		return statusJSON{Status: 1}
	}
	return statusJSON{Status: 0}
}

// setWordFilter: PUT /v1/sensitiveword/status?status=0|1.
func (f *Face) setWordFilter(w http.ResponseWriter, r *http.Request, app model.App) {
	on, err := switchValue(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := f.svc.SetWordFilter(r.Context(), app, on); err != nil {
		writeError(w, r, err)
		return
	}
	done(w, http.StatusNoContent)
}

// wordFilter: GET /v1/sensitiveword/status.
func (f *Face) wordFilter(w http.ResponseWriter, r *http.Request, app model.App) {
	writeJSON(w, http.StatusOK, statusOf(f.svc.WordFilterOn(app)))
}

// setSDKRegister: PUT /v1/sdkregister/status.
func (f *Face) setSDKRegister(w http.ResponseWriter, r *http.Request, app model.App) {
	open, err := switchValue(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := f.svc.SetSDKRegister(r.Context(), app, open); err != nil {
		writeError(w, r, err)
		return
	}
	done(w, http.StatusNoContent)
}

// sdkRegister: GET /v1/sdkregister/status.
func (f *Face) sdkRegister(w http.ResponseWriter, r *http.Request, app model.App) {
	writeJSON(w, http.StatusOK, statusOf(f.svc.SDKRegisterOpen(app)))
}

// switchValue reads a 0/1 status. The seed passes it in the query, and
// real clients also send it as a JSON body ({"status":0} or a bare 0), so
// both are accepted; the query wins when present.
func switchValue(w http.ResponseWriter, r *http.Request) (bool, error) {
	if r.URL.Query().Has("status") {
		return flag01(r, "status")
	}
	body, err := httpio.ReadBody(w, r)
	if err != nil {
		return false, err
	}
	var obj statusJSON
	var bare int
	switch {
	case json.Unmarshal(body, &obj) == nil && hasStatusKey(body):
		bare = obj.Status
	case json.Unmarshal(body, &bare) == nil:
	default:
		return false, fmt.Errorf("%w: status is required, as ?status=0|1 or a JSON body {\"status\":0|1}", core.ErrInvalid)
	}
	if bare != 0 && bare != 1 {
		return false, fmt.Errorf("%w: status must be 0 or 1", core.ErrInvalid)
	}
	return bare == 1, nil
}

func hasStatusKey(body []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	_, ok := m["status"]
	return ok
}
