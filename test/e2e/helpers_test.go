//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// apply creates or replaces the objects of a YAML manifest (documents
// separated by ---) in the run's namespace, as `kubectl apply` would for
// a platform team.
func apply(ctx context.Context, manifest string) {
	GinkgoHelper()
	for _, doc := range strings.Split(manifest, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		u := &unstructured.Unstructured{}
		Expect(yaml.Unmarshal([]byte(doc), &u.Object)).To(Succeed(), doc)
		u.SetNamespace(ns)
		Eventually(func() error {
			cur := &unstructured.Unstructured{}
			cur.SetGroupVersionKind(u.GroupVersionKind())
			err := k8s.Get(ctx, client.ObjectKeyFromObject(u), cur)
			if apierrors.IsNotFound(err) {
				return k8s.Create(ctx, u.DeepCopy())
			}
			if err != nil {
				return err
			}
			next := u.DeepCopy()
			next.SetResourceVersion(cur.GetResourceVersion())
			if status, ok := cur.Object["status"]; ok {
				next.Object["status"] = status
			}
			return k8s.Update(ctx, next)
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
	}
}

// expectCondition asserts, inside Eventually, that the object's condition
// typ has status want and that the status is about the current spec
// (observedGeneration = generation).
func expectCondition(g Gomega, ctx context.Context, obj client.Object, typ string, want string) {
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	u, err := toUnstructured(obj)
	g.Expect(err).NotTo(HaveOccurred())
	observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	g.Expect(observed).To(Equal(obj.GetGeneration()), "%s %s: status is for generation %d, spec is %d",
		u.GetKind(), obj.GetName(), observed, obj.GetGeneration())
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			g.Expect(m["status"]).To(Equal(want), "%s %s condition %s: %v: %v", u.GetKind(), obj.GetName(), typ, m["reason"], m["message"])
			return
		}
	}
	g.Expect(conds).To(ContainElement(HaveKeyWithValue("type", typ)), "%s %s has no condition %s", u.GetKind(), obj.GetName(), typ)
}

func toUnstructured(obj client.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	if gvks, _, err := k8s.Scheme().ObjectKinds(obj); err == nil && len(gvks) > 0 {
		u.SetGroupVersionKind(gvks[0])
	}
	return u, nil
}

// waitReady waits until the object is Ready (and, for kinds that have it,
// Synced) for its current generation.
func waitReady(ctx context.Context, obj client.Object, timeout time.Duration) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		expectCondition(g, ctx, obj, imv1alpha1.ConditionReady, "True")
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(time.Second).Should(Succeed())
}

// waitGone waits until the object no longer exists.
func waitGone(ctx context.Context, obj client.Object, timeout time.Duration) {
	GinkgoHelper()
	Eventually(func() bool {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		return apierrors.IsNotFound(err)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(time.Second).Should(BeTrue(),
		"%s is still there (deletionTimestamp %v, finalizers %v)", obj.GetName(), obj.GetDeletionTimestamp(), obj.GetFinalizers())
}

func named[T client.Object](obj T, name string) T {
	obj.SetName(name)
	obj.SetNamespace(ns)
	return obj
}

// tenant is one ChatApp's credentials, with the admin API reached from the
// host through the chatserver Service's ClusterIP (the Secret's adminURL
// is the in-cluster DNS name, which the host cannot resolve).
type tenant struct {
	appKey, masterSecret string
	// base is http://<ClusterIP>:<port>; adminURL the Secret's value.
	base, adminURL, clientURL string
}

// readTenant reads the ChatApp's credentials Secret.
func readTenant(ctx context.Context, app string) tenant {
	GinkgoHelper()
	var s corev1.Secret
	Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: app + "-credentials"}, &s)).To(Succeed())
	t := tenant{
		appKey: string(s.Data["appKey"]), masterSecret: string(s.Data["masterSecret"]),
		adminURL: string(s.Data["adminURL"]), clientURL: string(s.Data["clientURL"]),
	}
	Expect(t.appKey).To(HaveLen(24))
	Expect(t.masterSecret).To(HaveLen(24))
	t.base = hostURL(ctx, t.adminURL)
	return t
}

// hostURL maps http://<service>.<namespace>.svc:<port> to the Service's
// ClusterIP, which answers from the host (kube-proxy in iptables mode).
func hostURL(ctx context.Context, inCluster string) string {
	GinkgoHelper()
	u, err := url.Parse(inCluster)
	Expect(err).NotTo(HaveOccurred())
	labels := strings.Split(u.Hostname(), ".")
	Expect(len(labels)).To(BeNumerically(">=", 3), "adminURL %s is not <service>.<namespace>.svc", inCluster)
	Expect(labels[2]).To(Equal("svc"))
	var svc corev1.Service
	Expect(k8s.Get(ctx, types.NamespacedName{Namespace: labels[1], Name: labels[0]}, &svc)).To(Succeed())
	Expect(svc.Spec.ClusterIP).NotTo(BeEmpty())
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return "http://" + net.JoinHostPort(svc.Spec.ClusterIP, port)
}

// answer is an HTTP answer with its JSON body.
type answer struct {
	status int
	body   []byte
}

func (a answer) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(a.body, &m)
	return m
}

// adminCode is the admin API's error code, 0 when the body has none.
func (a answer) adminCode() int {
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(a.body, &e)
	return e.Error.Code
}

func (a answer) String() string { return fmt.Sprintf("HTTP %d %s", a.status, a.body) }

// call sends one request; a transport failure is an error (the caller
// decides whether that is acceptable).
func call(ctx context.Context, method, u string, body any, auth func(*http.Request)) (answer, error) {
	r, err := testutil.Call(ctx, httpClient, method, u, auth, body)
	return answer{status: r.Status, body: r.Body}, err
}

// admin calls the tenant's admin API with Basic appKey:masterSecret.
func (t tenant) admin(ctx context.Context, method, path string, body any) (answer, error) {
	return call(ctx, method, t.base+path, body, func(r *http.Request) { r.SetBasicAuth(t.appKey, t.masterSecret) })
}

// mustAdmin is admin for calls that must get an answer.
func (t tenant) mustAdmin(ctx context.Context, method, path string, body any) answer {
	GinkgoHelper()
	a, err := t.admin(ctx, method, path, body)
	Expect(err).NotTo(HaveOccurred())
	return a
}

// sealtalk calls the tenant's SealTalk user API at /apps/{appKey}/user/.
func (t tenant) sealtalk(ctx context.Context, method, path string, body any, token string) answer {
	GinkgoHelper()
	a, err := call(ctx, method, t.base+"/apps/"+t.appKey+"/user/"+path, body, func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
	Expect(err).NotTo(HaveOccurred())
	return a
}

// sendText sends a text message from one user to another through
// POST /v1/messages and returns its msg_id.
func (t tenant) sendText(ctx context.Context, from, to, text string) (int64, answer, error) {
	a, err := t.admin(ctx, http.MethodPost, "/v1/messages", map[string]any{
		"version": 1, "target_type": "single", "target_id": to, "from_type": "user", "from_id": from,
		"msg_type": "text", "msg_body": map[string]any{"text": text},
	})
	if err != nil || a.status != http.StatusCreated {
		return 0, a, err
	}
	var sent struct {
		MsgID int64 `json:"msg_id"`
	}
	if err := json.Unmarshal(a.body, &sent); err != nil {
		return 0, a, err
	}
	return sent.MsgID, a, nil
}

// phoneUser is an end user who signed up through SealTalk.
type phoneUser struct {
	region, phone, password string
	id, token               string
}

// verificationToken runs send_code (the code goes through the tenant's SMS
// webhook, our gateway) and verify_code.
func (t tenant) verificationToken(ctx context.Context, region, phone string) string {
	GinkgoHelper()
	a := t.sealtalk(ctx, http.MethodPost, "send_code", map[string]any{"region": region, "phone": phone}, "")
	Expect(a.status).To(Equal(http.StatusOK), "send_code: %s", a)
	Expect(a.json()).To(HaveKeyWithValue("code", BeNumerically("==", 200)), "send_code: %s", a)
	code := sms.code(t.appKey, region, phone)
	a = t.sealtalk(ctx, http.MethodPost, "verify_code", map[string]any{"region": region, "phone": phone, "code": code}, "")
	Expect(a.status).To(Equal(http.StatusOK), "verify_code: %s", a)
	var v struct {
		Code   int `json:"code"`
		Result struct {
			Token string `json:"verification_token"`
		} `json:"result"`
	}
	Expect(json.Unmarshal(a.body, &v)).To(Succeed())
	Expect(v.Code).To(Equal(200), "verify_code: %s", a)
	Expect(v.Result.Token).NotTo(BeEmpty())
	return v.Result.Token
}

// signUp registers a phone user through SealTalk and logs them in.
func (t tenant) signUp(ctx context.Context, region, phone, password string) phoneUser {
	GinkgoHelper()
	u := phoneUser{region: region, phone: phone, password: password}
	vt := t.verificationToken(ctx, region, phone)
	a := t.sealtalk(ctx, http.MethodPost, "register", map[string]any{
		"nickname": "e2e " + phone, "password": password, "verification_token": vt,
	}, "")
	Expect(a.status).To(Equal(http.StatusOK), "register: %s", a)
	a = t.sealtalk(ctx, http.MethodPost, "login", map[string]any{"region": region, "phone": phone, "password": password}, "")
	Expect(a.status).To(Equal(http.StatusOK), "login: %s", a)
	var l struct {
		Code   int `json:"code"`
		Result struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		} `json:"result"`
	}
	Expect(json.Unmarshal(a.body, &l)).To(Succeed())
	Expect(l.Code).To(Equal(200), "login: %s", a)
	u.id, u.token = l.Result.ID, l.Result.Token
	Expect(u.id).NotTo(BeEmpty())
	Expect(u.token).NotTo(BeEmpty())
	return u
}

// gateway is one WebSocket session of an end user.
type gateway struct {
	conn *websocket.Conn
}

// frame is a server frame of the gateway.
type frame struct {
	Type     string `json:"type"`
	Seq      int64  `json:"seq"`
	MsgID    int64  `json:"msg_id"`
	FromID   string `json:"from_id"`
	TargetID string `json:"target_id"`
	MsgType  string `json:"msg_type"`
	MsgBody  struct {
		Text string `json:"text"`
	} `json:"msg_body"`
}

// dial opens GET /apps/{appKey}/ws with the user's session token; since
// >= 0 asks for a replay of the stored events after that seq.
func (t tenant) dial(ctx context.Context, token string, since int64) *gateway {
	GinkgoHelper()
	u := strings.Replace(t.base, "http://", "ws://", 1) + "/apps/" + t.appKey + "/ws?token=" + url.QueryEscape(token)
	if since >= 0 {
		u += fmt.Sprintf("&since=%d", since)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPClient: httpClient})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	Expect(err).NotTo(HaveOccurred())
	c.SetReadLimit(1 << 20)
	return &gateway{conn: c}
}

// next reads the next message frame, skipping other frames (events,
// pongs), within the timeout.
func (g *gateway) next(ctx context.Context, timeout time.Duration) (frame, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		_, b, err := g.conn.Read(rctx)
		if err != nil {
			return frame{}, err
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			return frame{}, fmt.Errorf("frame %s: %w", b, err)
		}
		if f.Type == "message" {
			return f, nil
		}
	}
}

func (g *gateway) close() { g.conn.Close(websocket.StatusNormalClosure, "") }

// smsGateway is the tenant's SMS webhook: it answers 200 to a request with
// the right bearer token and keeps the last code per app and phone.
type smsGateway struct {
	srv   *http.Server
	url   string
	token string
	mu    sync.Mutex
	codes map[string]string
}

func startSMSGateway(host string) *smsGateway {
	GinkgoHelper()
	g := &smsGateway{token: randomString(32), codes: map[string]string{}}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	Expect(err).NotTo(HaveOccurred())
	g.url = "http://" + ln.Addr().String() + "/sms"
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sms", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+g.token {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		var m struct{ AppKey, Region, Phone, Code, Purpose string }
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.codes[m.AppKey+"/"+m.Region+"/"+m.Phone] = m.Code
		g.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	g.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = g.srv.Serve(ln) }()
	return g
}

// code is the code last sent to the phone; send_code answers only after
// the webhook took it.
func (g *smsGateway) code(appKey, region, phone string) string {
	GinkgoHelper()
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.codes[appKey+"/"+region+"/"+phone]
	Expect(ok).To(BeTrue(), "no SMS reached the gateway for +%s %s", region, phone)
	return c
}

func (g *smsGateway) close() { _ = g.srv.Close() }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		if err != nil {
			panic(err)
		}
		b[i] = alnum[k.Int64()]
	}
	return string(b)
}
