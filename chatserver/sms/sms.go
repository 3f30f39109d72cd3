// Package sms delivers verification codes. The core decides what to send
// and when; a Sender only carries one code to one phone.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// Message is one code for one phone: the webhook's JSON body.
type Message struct {
	AppKey  string `json:"appKey"`
	Region  string `json:"region"`
	Phone   string `json:"phone"`
	Code    string `json:"code"`
	Purpose string `json:"purpose"`
}

// LogValue keeps the code out of logs even when a whole Message is logged.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(slog.String("app", m.AppKey), slog.String("region", m.Region),
		slog.String("phone", m.Phone), slog.String("purpose", m.Purpose))
}

// Sender delivers a code through the tenant's SMS endpoint.
type Sender interface {
	// Send returns nil only once the endpoint accepted the message.
	Send(ctx context.Context, to model.SMSWebhook, m Message) error
}

// ErrUndeliverable: the endpoint did not accept the message after every
// try. Errors wrapping it never carry the code.
var ErrUndeliverable = errors.New("the SMS webhook did not accept the message")

// Webhook defaults.
const (
	DefaultAttempts = 3
	DefaultBackoff  = 200 * time.Millisecond
	DefaultTimeout  = 5 * time.Second
)

// Webhook is the real Sender: it POSTs the Message as JSON to the policy's
// webhook URL with "Authorization: Bearer <token>". A transport error, a
// timeout, a 429 or a 5xx is retried after Backoff, doubling each time,
// up to Attempts tries in all; any other non-2xx answer is final.
type Webhook struct {
	// Client, when set, replaces the guarded client NewWebhook builds,
	// and with it the address checks (guard.go).
	Client   *http.Client
	Attempts int
	Backoff  time.Duration
	// Timeout bounds each try.
	Timeout time.Duration
	// Log receives one line per failed try, without the code.
	Log *slog.Logger
	// AllowLoopback lets the webhook be on the server's own loopback
	// (development, tests). Link-local and metadata addresses are always
	// refused; see forbidden.
	AllowLoopback bool
}

// NewWebhook returns a Webhook with the defaults.
func NewWebhook() *Webhook {
	w := &Webhook{Attempts: DefaultAttempts, Backoff: DefaultBackoff, Timeout: DefaultTimeout}
	w.Client = w.guardedClient()
	return w
}

// Send implements Sender.
func (w *Webhook) Send(ctx context.Context, to model.SMSWebhook, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding the SMS message: %w", err)
	}
	attempts, wait := max(w.Attempts, 1), w.Backoff
	var last error
	for try := 1; try <= attempts; try++ {
		retry, err := w.post(ctx, to, body)
		if err == nil {
			return nil
		}
		last = err
		w.logger().WarnContext(ctx, "Delivering SMS code failed", "message", m, "attempt", try, "of", attempts, "error", err)
		if !retry || try == attempts {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w (after %d tries)", ErrUndeliverable, ctx.Err(), try)
		case <-time.After(wait):
		}
		wait *= 2
	}
	return fmt.Errorf("%w: %w", ErrUndeliverable, last)
}

// post makes one try; retry says whether another might succeed.
func (w *Webhook) post(ctx context.Context, to model.SMSWebhook, body []byte) (retry bool, err error) {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if to.Token != "" {
		req.Header.Set("Authorization", "Bearer "+to.Token)
	}
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if errors.Is(err, ErrForbiddenAddress) {
		return false, err
	}
	if err != nil {
		// The error names the URL and the cause, never the body.
		return true, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	retry = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	return retry, errors.New("the webhook answered " + strconv.Itoa(resp.StatusCode))
}

func (w *Webhook) logger() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}
