package jmessage

import (
	"fmt"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

func invalidParam(name, value string) error {
	if value == "" {
		return fmt.Errorf("%w: query parameter %s is required", core.ErrInvalid, name)
	}
	return fmt.Errorf("%w: query parameter %s=%q is not valid", core.ErrInvalid, name, value)
}

func invalidBody(msg string) error {
	return fmt.Errorf("%w: %s", core.ErrInvalid, msg)
}

// boolParam reads a boolean query parameter in the spellings clients use.
func boolParam(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "true", "True", "TRUE", "1":
		return true, nil
	case "false", "False", "FALSE", "0":
		return false, nil
	default:
		return false, invalidParam(name, v)
	}
}
