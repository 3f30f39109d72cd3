package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrBadToken: the download token is malformed or its signature does
	// not match (tampered, or signed with another secret).
	ErrBadToken = errors.New("invalid download token")
	// ErrExpired: the token was genuine but its time is up.
	ErrExpired = errors.New("download link has expired")
)

// Grant is what a download token allows: one app's media, until Expires.
type Grant struct {
	AppKey  string
	MediaID string
	Expires time.Time
}

// Signer issues and checks download tokens with HMAC-SHA256 under a server
// secret. Every replica must share the secret, or a link issued by one is
// refused by another.
type Signer struct {
	secret []byte
}

// NewSigner signs with secret, which it copies.
func NewSigner(secret []byte) *Signer {
	return &Signer{secret: append([]byte(nil), secret...)}
}

// DeriveSecret derives the signing secret from the platform token that
// every replica already shares, so replicas agree without another secret
// to distribute. Rotating the token invalidates outstanding links, which
// expire soon anyway.
func DeriveSecret(platformToken string) []byte {
	mac := hmac.New(sha256.New, []byte(platformToken))
	mac.Write([]byte("chat-operator media-url-signing v1"))
	return mac.Sum(nil)
}

// Issue returns a token for g. A token is one URL path segment:
// appKey "." base64url(mediaID) "." expiry in Unix seconds "." signature.
func (s *Signer) Issue(g Grant) string {
	exp := g.Expires.Unix()
	enc := base64.RawURLEncoding
	return g.AppKey + "." + enc.EncodeToString([]byte(g.MediaID)) + "." + strconv.FormatInt(exp, 10) + "." +
		enc.EncodeToString(s.mac(g.AppKey, g.MediaID, exp))
}

// Check verifies a token's signature in constant time and then its expiry
// against now. It answers ErrBadToken or ErrExpired, never which part of a
// forged token was wrong. A grant has exactly one token, the one Issue
// writes: any other spelling of the same fields is ErrBadToken.
func (s *Signer) Check(token string, now time.Time) (Grant, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 4 || parts[0] == "" {
		return Grant{}, ErrBadToken
	}
	mediaID, err1 := decodeField(parts[1])
	exp, ok := parseExpiry(parts[2])
	sig, err3 := decodeField(parts[3])
	if err1 != nil || !ok || err3 != nil || len(mediaID) == 0 {
		return Grant{}, ErrBadToken
	}
	if !hmac.Equal(sig, s.mac(parts[0], string(mediaID), exp)) {
		return Grant{}, ErrBadToken
	}
	g := Grant{AppKey: parts[0], MediaID: string(mediaID), Expires: time.Unix(exp, 0)}
	if !now.Before(g.Expires) {
		return Grant{}, ErrExpired
	}
	return g, nil
}

// strictBase64 refuses the spellings a lenient decoder reads as the same
// bytes: the last character with its unused low bits set.
var strictBase64 = base64.RawURLEncoding.Strict()

// decodeField decodes one of the token's base64 fields in the spelling
// Issue writes. Even a strict decoder skips CR and LF, which a link
// carries as %0D and %0A, so they are refused first.
func decodeField(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, ErrBadToken
	}
	return strictBase64.DecodeString(s)
}

// parseExpiry reads the expiry as Issue writes it: canonical decimal, so
// no sign "+", no leading zero, no "-0".
func parseExpiry(s string) (int64, bool) {
	exp, err := strconv.ParseInt(s, 10, 64)
	return exp, err == nil && strconv.FormatInt(exp, 10) == s
}

// mac signs the three fields, each length-prefixed so no two different
// grants sign the same bytes. The appKey is signed as issued, in the case
// the app was registered with: links are only ever issued in that
// spelling, and accepting others would give one grant several tokens.
func (s *Signer) mac(appKey, mediaID string, exp int64) []byte {
	msg := []byte("media v1")
	for _, f := range []string{appKey, mediaID} {
		msg = binary.AppendUvarint(msg, uint64(len(f)))
		msg = append(msg, f...)
	}
	msg = binary.AppendVarint(msg, exp)
	m := hmac.New(sha256.New, s.secret)
	m.Write(msg)
	return m.Sum(nil)
}
