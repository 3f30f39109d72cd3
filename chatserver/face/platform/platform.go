// Package platform is the operator-only API: it creates, updates, disables
// and purges tenants. Tenants never see it. Auth is a Bearer token shared
// with the operator.
package platform

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// Info is what GET /platform/v1/info reports besides the schema version.
type Info struct {
	Version  string
	Database string
}

// Face serves the platform API.
type Face struct {
	svc       *core.Service
	tokenHash [sha256.Size]byte
	info      Info
}

// New builds the face; token is the Bearer token callers must present.
func New(svc *core.Service, token string, info Info) *Face {
	return &Face{svc: svc, tokenHash: sha256.Sum256([]byte(token)), info: info}
}

// Register adds the platform routes to mux.
func (f *Face) Register(mux httpio.Mux) {
	mux.Handle("PUT /platform/v1/apps/{appKey}", f.authed(f.putApp))
	mux.Handle("GET /platform/v1/apps/{appKey}", f.authed(f.getApp))
	mux.Handle("DELETE /platform/v1/apps/{appKey}", f.authed(f.deleteApp))
	mux.Handle("GET /platform/v1/apps", f.authed(f.listApps))
	mux.Handle("GET /platform/v1/info", f.authed(f.getInfo))
}

var errUnauthorized = errors.New("missing or wrong platform token")

// authed checks the Bearer token in constant time (hashing first makes the
// comparison independent of the token's length too).
func (f *Face) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(token))
		if !ok || token == "" || subtle.ConstantTimeCompare(sum[:], f.tokenHash[:]) != 1 {
			writeError(w, r, errUnauthorized)
			return
		}
		h(w, r)
	}
}

// appRequest is the declared state of a tenant.
type appRequest struct {
	MasterSecret string         `json:"masterSecret"`
	Limits       model.Limits   `json:"limits"`
	Features     model.Features `json:"features"`
	Disabled     bool           `json:"disabled"`
}

// appResponse is a tenant as the platform sees it; it never carries the
// secret.
type appResponse struct {
	AppKey              string       `json:"appKey"`
	Limits              model.Limits `json:"limits"`
	Features            featuresJSON `json:"features"`
	Disabled            bool         `json:"disabled"`
	SensitiveWordFilter bool         `json:"sensitiveWordFilter"`
	SDKRegister         bool         `json:"sdkRegister"`
	CreatedAt           time.Time    `json:"createdAt"`
	UpdatedAt           time.Time    `json:"updatedAt"`
}

type featuresJSON struct {
	CrossAppAllowed []string `json:"crossAppAllowed"`
}

func render(a model.App) appResponse {
	cross := a.Features.CrossAppAllowed
	if cross == nil {
		cross = []string{}
	}
	return appResponse{
		AppKey: a.Key, Limits: a.Limits, Features: featuresJSON{CrossAppAllowed: cross}, Disabled: a.Disabled,
		SensitiveWordFilter: a.SensitiveFilter, SDKRegister: a.SDKRegister,
		CreatedAt: a.Created.UTC(), UpdatedAt: a.Updated.UTC(),
	}
}

// putApp: PUT /platform/v1/apps/{appKey}. The body is the whole desired
// state; unknown fields are refused so a typo in the operator cannot be
// silently dropped.
func (f *Face) putApp(w http.ResponseWriter, r *http.Request) {
	body, err := httpio.ReadBody(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req appRequest
	if err := httpio.UnmarshalStrict(body, &req); err != nil {
		writeError(w, r, err)
		return
	}
	app, created, err := f.svc.PutApp(r.Context(), core.AppSpec{
		Key: r.PathValue("appKey"), MasterSecret: req.MasterSecret, Limits: req.Limits,
		Features: req.Features, Disabled: req.Disabled,
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		slog.InfoContext(r.Context(), "Created app", "app", app.Key)
	}
	httpio.WriteJSON(w, status, render(app))
}

// getApp: GET /platform/v1/apps/{appKey}.
func (f *Face) getApp(w http.ResponseWriter, r *http.Request) {
	app, err := f.svc.GetApp(r.Context(), r.PathValue("appKey"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpio.WriteJSON(w, http.StatusOK, render(app))
}

// listApps: GET /platform/v1/apps.
func (f *Face) listApps(w http.ResponseWriter, r *http.Request) {
	apps, err := f.svc.ListApps(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := struct {
		Apps []appResponse `json:"apps"`
	}{Apps: make([]appResponse, len(apps))}
	for i, a := range apps {
		out.Apps[i] = render(a)
	}
	httpio.WriteJSON(w, http.StatusOK, out)
}

// deleteApp: DELETE /platform/v1/apps/{appKey}?purge=true|false. Without
// purge the tenant is only disabled and a later PUT brings it back.
func (f *Face) deleteApp(w http.ResponseWriter, r *http.Request) {
	purge := false
	switch v := r.URL.Query().Get("purge"); v {
	case "", "false", "False", "0":
	case "true", "True", "1":
		purge = true
	default:
		writeError(w, r, fmt.Errorf("%w: purge must be true or false, got %q", core.ErrInvalid, v))
		return
	}
	key := r.PathValue("appKey")
	if err := f.svc.DeleteApp(r.Context(), key, purge); err != nil {
		writeError(w, r, err)
		return
	}
	slog.InfoContext(r.Context(), "Deleted app", "app", key, "purge", purge)
	w.WriteHeader(http.StatusNoContent)
}

// getInfo: GET /platform/v1/info.
func (f *Face) getInfo(w http.ResponseWriter, r *http.Request) {
	v, err := f.schemaVersion(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpio.WriteJSON(w, http.StatusOK, map[string]any{
		"version": f.info.Version, "schemaVersion": v, "database": f.info.Database,
	})
}

func (f *Face) schemaVersion(ctx context.Context) (int, error) {
	return f.svc.Store().SchemaVersion(ctx)
}
