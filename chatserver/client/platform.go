package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// Platform calls the operator-only platform API (/platform/v1) with the
// server's Bearer token.
type Platform struct {
	conn conn
}

// NewPlatform returns a client of the platform API at baseURL (for example
// http://chat.ns.svc:8080). hc carries every request; nil means a client
// with DefaultTimeout.
func NewPlatform(baseURL, token string, hc *http.Client) (*Platform, error) {
	c, err := newConn(baseURL, hc, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+token)
	})
	if err != nil {
		return nil, fmt.Errorf("creating platform client: %w", err)
	}
	return &Platform{conn: c}, nil
}

// Limits caps what one tenant may do. A zero field means the server's
// default; WithDefaults fills them in. It is the server's own type, so the
// wire names and the defaults table exist once.
type Limits = model.Limits

// Features are a tenant's optional capabilities.
type Features struct {
	// CrossAppAllowed lists the appKeys this app consents to cross-app
	// operations with; both apps must list each other.
	CrossAppAllowed []string `json:"crossAppAllowed,omitempty"`
}

// AppSpec is the whole declared state of a tenant. A PUT replaces it:
// omitted limits fall back to their defaults and Disabled false enables the
// app.
type AppSpec struct {
	MasterSecret string   `json:"masterSecret"`
	Limits       Limits   `json:"limits"`
	Features     Features `json:"features"`
	Disabled     bool     `json:"disabled"`
}

// String hides the secret, so a spec printed into a log or an error does
// not leak it.
func (s AppSpec) String() string {
	return fmt.Sprintf("{MasterSecret:<redacted> Limits:%+v Features:%+v Disabled:%t}", s.Limits, s.Features, s.Disabled)
}

// App is a tenant as the platform API reports it. It never carries the
// secret.
type App struct {
	AppKey   string   `json:"appKey"`
	Limits   Limits   `json:"limits"`
	Features Features `json:"features"`
	Disabled bool     `json:"disabled"`
	// SensitiveWordFilter and SDKRegister are tenant config set through
	// the admin API; a PutApp leaves them alone.
	SensitiveWordFilter bool      `json:"sensitiveWordFilter"`
	SDKRegister         bool      `json:"sdkRegister"`
	CreatedAt           time.Time `json:"createdAt"`
	UpdatedAt           time.Time `json:"updatedAt"`
}

// Info describes the running server.
type Info struct {
	Version       string `json:"version"`
	SchemaVersion int    `json:"schemaVersion"`
	// Database is the store engine: "sqlite" or "postgres".
	Database string `json:"database"`
}

func appPath(appKey string) string { return "/platform/v1/apps/" + url.PathEscape(appKey) }

// PutApp creates the tenant appKey or replaces its declared state; created
// tells which happened.
func (p *Platform) PutApp(ctx context.Context, appKey string, spec AppSpec) (app App, created bool, err error) {
	status, err := p.conn.do(ctx, call{method: http.MethodPut, path: appPath(appKey), body: spec, out: &app})
	if err != nil {
		return App{}, false, fmt.Errorf("putting app %s: %w", appKey, err)
	}
	return app, status == http.StatusCreated, nil
}

// GetApp returns the tenant appKey; IsNotFound tells that there is none.
func (p *Platform) GetApp(ctx context.Context, appKey string) (App, error) {
	var app App
	if _, err := p.conn.do(ctx, call{method: http.MethodGet, path: appPath(appKey), out: &app}); err != nil {
		return App{}, fmt.Errorf("getting app %s: %w", appKey, err)
	}
	return app, nil
}

// ListApps returns every tenant, disabled ones included.
func (p *Platform) ListApps(ctx context.Context) ([]App, error) {
	var out struct {
		Apps []App `json:"apps"`
	}
	if _, err := p.conn.do(ctx, call{method: http.MethodGet, path: "/platform/v1/apps", out: &out}); err != nil {
		return nil, fmt.Errorf("listing apps: %w", err)
	}
	return out.Apps, nil
}

// DeleteApp disables the tenant, keeping its data so a later PutApp brings
// it back, or with purge removes it and all its data. A finalizer should
// treat IsNotFound as done.
func (p *Platform) DeleteApp(ctx context.Context, appKey string, purge bool) error {
	q := url.Values{"purge": {strconv.FormatBool(purge)}}
	if _, err := p.conn.do(ctx, call{method: http.MethodDelete, path: appPath(appKey), query: q}); err != nil {
		return fmt.Errorf("deleting app %s (purge=%t): %w", appKey, purge, err)
	}
	return nil
}

// Info returns the server's version, schema version and store engine.
func (p *Platform) Info(ctx context.Context) (Info, error) {
	var info Info
	if _, err := p.conn.do(ctx, call{method: http.MethodGet, path: "/platform/v1/info", out: &info}); err != nil {
		return Info{}, fmt.Errorf("getting server info: %w", err)
	}
	return info, nil
}
