// Package httpio holds the request and response plumbing every face shares:
// bounded JSON decoding and JSON writing. Faces keep their own envelopes.
package httpio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/chat-operator/chat-operator/chatserver/text"
)

// MaxJSONBody bounds a JSON request body. The largest documented body, a
// batch of 500 users with every field at its limit, is under 1 MiB.
const MaxJSONBody = 4 << 20

var (
	// ErrTooLarge: the body is over the limit.
	ErrTooLarge = errors.New("request body too large")
	// ErrMalformed: the body is not the JSON the endpoint expects.
	ErrMalformed = errors.New("malformed JSON body")
	// ErrEmpty: the body is empty where one is required.
	ErrEmpty = errors.New("request body is empty")
	// ErrBadText: a body, path or query value holds a NUL byte or is not
	// valid UTF-8 (see package text). It is malformed input, so every
	// face's table already answers it with its 400.
	ErrBadText = fmt.Errorf("%w: NUL bytes and invalid UTF-8 are not accepted", ErrMalformed)
	// ErrSlowBody: the body did not arrive within the server's body read
	// timeout. Every face's table answers it with its 400, as a body
	// cut short.
	ErrSlowBody = fmt.Errorf("%w: the body did not arrive in time", ErrMalformed)
)

// ReadBody reads the whole body, up to MaxJSONBody bytes.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// The smaller of this limit and one set before (PublicBodyLimit).
		return nil, fmt.Errorf("%w: limit is %d bytes", ErrTooLarge, tooLarge.Limit)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, ErrSlowBody
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return body, nil
}

// DecodeJSON reads the body into v. Trailing data after the JSON value is
// malformed input, not something to ignore.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	return Unmarshal(body, v)
}

// Unmarshal decodes one JSON value from body into v, with errors that say
// what was wrong.
func Unmarshal(body []byte, v any) error {
	return unmarshal(body, v, false)
}

// UnmarshalStrict is Unmarshal that also refuses fields v does not have,
// for bodies that declare a whole state, where a misspelt field must not
// be dropped silently.
func UnmarshalStrict(body []byte, v any) error {
	return unmarshal(body, v, true)
}

func unmarshal(body []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return ErrEmpty
	}
	if !text.ValidJSON(body) {
		return ErrBadText
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// More would miss a stray ']' or '}', which ends no value at the top
	// level; asking for one more token sees anything but the end.
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: unexpected data after the JSON value", ErrMalformed)
	}
	return nil
}

// WriteJSON writes v with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteEmpty writes a status with no body, keeping the JSON content type the
// seed shows on such responses.
func WriteEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
}
