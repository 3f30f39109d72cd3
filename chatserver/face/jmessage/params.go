package jmessage

import (
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

func invalidParam(name, value string) error {
	if value == "" {
		return fmt.Errorf("%w: query parameter %s is required", core.ErrInvalid, name)
	}
	return fmt.Errorf("%w: query parameter %s=%q is not valid", core.ErrInvalid, name, value)
}
