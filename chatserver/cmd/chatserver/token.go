package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const tokenFile = "platform-token"

// platformToken returns the configured token, or the one generated earlier
// into the data directory, or a new one written there. The token itself is
// never logged; only its path is.
func platformToken(configured, dataDir string) (token, path string, err error) {
	if configured != "" {
		return configured, "", nil
	}
	path = filepath.Join(dataDir, tokenFile)
	b, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), path, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("reading platform token: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", "", fmt.Errorf("creating data directory: %w", err)
	}
	token = rand.Text()
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("writing platform token: %w", err)
	}
	return token, path, nil
}
