package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Call sends one request with client and reads the whole answer; a
// transport failure is an error, for the caller to judge. body may be nil,
// a string or []byte (sent as is), or anything else (sent as JSON). It
// serves the in-process tests and the suites that drive a chatserver
// process or a cluster alike.
func Call(ctx context.Context, client *http.Client, method, url string, auth Auth, body any) (Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return Response{}, fmt.Errorf("encoding body: %w", err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if auth != nil {
		auth(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("reading response: %w", err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}
