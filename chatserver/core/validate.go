package core

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// Byte limits from the seed's string table.
const (
	usernameMin, usernameMax = 4, 128
	passwordMin, passwordMax = 4, 128
	lineMax                  = 64  // nickname, note_name, group name
	textMax                  = 250 // any other string
	extrasMax                = 512
)

// ValidUsername reports whether s is a legal username: 4–128 bytes, starting
// with a letter or digit, then letters, digits, '_', '.', '-' or '@'.
func ValidUsername(s string) bool {
	if len(s) < usernameMin || len(s) > usernameMax {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if i == 0 && !alnum {
			return false
		}
		if !alnum && c != '_' && c != '.' && c != '-' && c != '@' {
			return false
		}
	}
	return true
}

func checkUsername(s string) error {
	if !ValidUsername(s) {
		return invalidf("invalid username %q: 4-128 bytes, start with a letter or digit, then letters, digits, _ . - @", clip(s))
	}
	return nil
}

func checkUsernames(names []string) error {
	for _, n := range names {
		if err := checkUsername(n); err != nil {
			return err
		}
	}
	return nil
}

func checkPassword(s string) error {
	if len(s) < passwordMin || len(s) > passwordMax {
		return invalidf("password must be %d-%d bytes", passwordMin, passwordMax)
	}
	return nil
}

// checkLine enforces a single-line field: at most max bytes, no CR or LF.
func checkLine(field, s string, max int) error {
	if strings.ContainsAny(s, "\r\n") {
		return invalidf("%s must not contain line breaks", field)
	}
	return checkText(field, s, max)
}

// checkText enforces a free-text field of at most max bytes.
func checkText(field, s string, max int) error {
	if len(s) > max {
		return invalidf("%s is %d bytes, more than %d", field, len(s), max)
	}
	if !utf8.ValidString(s) {
		return invalidf("%s is not valid UTF-8", field)
	}
	return nil
}

// normalizeBirthday accepts "yyyy-MM-dd" or "yyyy-MM-dd HH:mm:ss" and returns
// the long form, which is what the API reads back.
func normalizeBirthday(s string) (string, error) {
	for _, layout := range []string{time.DateOnly, time.DateTime} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateTime), nil
		}
	}
	return "", invalidf("birthday %q is not yyyy-MM-dd", clip(s))
}

// normalizeExtras checks that raw is a JSON object of at most 512 bytes and
// returns it compacted.
func normalizeExtras(raw json.RawMessage) (string, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return "", invalidf("extras must be a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", invalidf("extras must be a JSON object")
	}
	if buf.Len() > extrasMax {
		return "", invalidf("extras is %d bytes, more than %d", buf.Len(), extrasMax)
	}
	return buf.String(), nil
}

// ProfileInput is a profile as a face received it; nil means "not given".
type ProfileInput struct {
	Nickname  *string
	Avatar    *string
	Birthday  *string
	Gender    *int
	Signature *string
	Region    *string
	Address   *string
	Extras    json.RawMessage
}

// profile validates in and turns it into a model.Profile.
func (in ProfileInput) profile() (model.Profile, error) {
	p := model.Profile{Avatar: in.Avatar, Signature: in.Signature, Region: in.Region, Address: in.Address, Gender: in.Gender}
	if in.Nickname != nil {
		if err := checkLine("nickname", *in.Nickname, lineMax); err != nil {
			return p, err
		}
		p.Nickname = in.Nickname
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"avatar", in.Avatar}, {"signature", in.Signature}, {"region", in.Region}, {"address", in.Address}} {
		if f.v != nil {
			if err := checkText(f.name, *f.v, textMax); err != nil {
				return p, err
			}
		}
	}
	if in.Birthday != nil {
		b, err := normalizeBirthday(*in.Birthday)
		if err != nil {
			return p, err
		}
		p.Birthday = &b
	}
	if in.Gender != nil && (*in.Gender < 0 || *in.Gender > 2) {
		return p, invalidf("gender must be 0, 1 or 2")
	}
	if len(in.Extras) > 0 && string(in.Extras) != "null" {
		e, err := normalizeExtras(in.Extras)
		if err != nil {
			return p, err
		}
		p.Extras = &e
	}
	return p, nil
}

// clip shortens s for error messages, so a huge input is not echoed back.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// dedupe returns names without repeats, in first-seen order.
func dedupe[T comparable](in []T) []T {
	seen := make(map[T]bool, len(in))
	out := make([]T, 0, len(in))
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// patch copies every given (non-nil) value onto its field, for partial
// updates.
func patch(fields map[*string]*string) {
	for dst, src := range fields {
		if src != nil {
			*dst = *src
		}
	}
}
