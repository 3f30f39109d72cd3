package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds a whole call (connect, send, answer) when the caller
// passes no *http.Client, so a hung server cannot stall a reconcile.
const DefaultTimeout = 10 * time.Second

// maxResponseBytes caps how much of an answer is read: a misbehaving server
// or proxy must not make the operator buffer without limit. The largest
// normal answer, a 2000-word page, is far below it.
const maxResponseBytes = 4 << 20

// conn is what Platform and Admin share: where the server is, how to
// authenticate, and the one function that talks HTTP.
type conn struct {
	base   string // scheme://host[/prefix], no trailing slash
	client *http.Client
	// auth sets the credentials on a request. Keeping them inside a closure
	// means printing a client (%+v) never shows the token or secret.
	auth func(*http.Request)
}

func newConn(baseURL string, hc *http.Client, auth func(*http.Request)) (conn, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		// url.Error repeats the raw URL, credentials and all; keep only
		// what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return conn{}, fmt.Errorf("parsing base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return conn{}, fmt.Errorf("base URL %q must be http(s)://host[:port][/prefix]", u.Redacted())
	}
	if u.User != nil {
		// Credentials in a URL end up in error messages and logs.
		return conn{}, errors.New("base URL must not carry credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return conn{}, fmt.Errorf("base URL %q must not have a query or fragment", u.Redacted())
	}
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	return conn{base: strings.TrimRight(u.String(), "/"), client: hc, auth: auth}, nil
}

// call is one API request.
type call struct {
	method string
	path   string     // already escaped, e.g. "/platform/v1/apps/" + url.PathEscape(key)
	query  url.Values // optional
	body   any        // sent as JSON when non-nil
	out    any        // a 2xx answer is decoded into it when non-nil
}

// do sends c and returns the HTTP status of a 2xx answer. Any other answer,
// and any transport failure, is an *Error.
func (cn conn) do(ctx context.Context, c call) (int, error) {
	req, err := cn.newRequest(ctx, c)
	if err != nil {
		return 0, err
	}
	resp, err := cn.client.Do(req)
	if err != nil {
		return 0, transportError(c, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, transportError(c, fmt.Errorf("reading the answer: %w", err))
	}
	if len(body) > maxResponseBytes {
		return 0, fmt.Errorf("%s %s: answer larger than %d bytes", c.method, c.path, maxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, answerError(c, resp.StatusCode, body)
	}
	if c.out != nil {
		if err := json.Unmarshal(body, c.out); err != nil {
			return 0, fmt.Errorf("%s %s: decoding the answer: %w", c.method, c.path, err)
		}
	}
	return resp.StatusCode, nil
}

func (cn conn) newRequest(ctx context.Context, c call) (*http.Request, error) {
	target := cn.base + c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	var body io.Reader
	if c.body != nil {
		enc, err := json.Marshal(c.body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encoding the request: %w", c.method, c.path, err)
		}
		body = bytes.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.method, c.path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "chat-operator-client")
	cn.auth(req)
	return req, nil
}
