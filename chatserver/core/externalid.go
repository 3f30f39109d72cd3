package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// External ids: how the SealTalk face spells the internal id of a user or
// a group (its `id`, `friendId`, `groupId`, ...). A phone user's id is
// also their generated username.
//
// A new id is 11 base62 characters spelling a 64-bit value: the internal
// id enciphered with a keyed permutation, a Feistel network of
// feistelRounds rounds over two 32-bit halves whose round function is
// HMAC-SHA256 under the tenant's secret IDKey. Without the key nobody can
// tell the id of the next user from the ids they have seen, and a
// string somebody makes up is almost never an id: it must spell less
// than 2^64 (about a third of all 11-character strings do) and decipher
// to a plausible internal id (at most maxKeyedID: 1 in 2^24 of them). The
// same internal id has a different spelling in every tenant, and users
// and groups are enciphered apart.
//
// Ids handed out before keyed ids came in stay as they were: the public
// permutation of the older versions (the id times a fixed odd factor
// modulo 62^8, 8 base62 characters). The migration that brought the key
// (0015) recorded each tenant's highest user and group id, and only ids
// up to those are spelled, and read, the old way; every id above them
// has only its keyed spelling, so walking 8-character ids finds no user
// who registered since. Each id therefore has exactly one spelling, and
// ParseExternalID accepts nothing else.
//
// The Go ecosystem has no established format-preserving-encryption
// package in reach (FF1/FF3 implementations are small, unaudited
// projects); a Feistel network over HMAC, which the standard library has,
// is the textbook construction of a keyed permutation and fits in a page.
const externalIDDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const (
	legacyIDLength = 8
	keyedIDLength  = 11
	// maxKeyedID is the largest internal id a keyed spelling may decipher
	// to: far beyond any table's reach (2^40 rows), so refusing the rest
	// only makes guessing harder.
	maxKeyedID = 1 << 40
	// feistelRounds: 4 rounds already make a strong pseudorandom
	// permutation; 8 leave a margin for a 32-bit half.
	feistelRounds = 8
)

// The public permutation of the older versions, modulo 62^8.
const (
	legacyModulus = 218340105584896 // 62^8
	legacyFactor  = 48271 * 16807 * 69621
	// legacyInverse is legacyFactor's inverse modulo legacyModulus.
	legacyInverse = 65780329263733
)

// idSpace tells users from groups: each has its own legacy range and its
// own tweak of the cipher.
type idSpace byte

const (
	userIDs  idSpace = 'u'
	groupIDs idSpace = 'g'
)

func (sp idSpace) legacyUpTo(app model.App) int64 {
	n := app.LegacyUserIDs
	if sp == groupIDs {
		n = app.LegacyGroupIDs
	}
	// The old spelling has 62^8 values; no tenant came near that.
	return min(max(n, 0), legacyModulus-1)
}

// ExternalID is the SealTalk id of a user of the app.
func ExternalID(app model.App, userID int64) string { return encodeExternalID(app, userIDs, userID) }

// ParseExternalID reads a SealTalk user id of the app; ok is false for
// anything ExternalID cannot have produced.
func ParseExternalID(app model.App, id string) (userID int64, ok bool) {
	return parseExternalID(app, userIDs, id)
}

// GroupExternalID is the SealTalk id of a group of the app.
func GroupExternalID(app model.App, groupID int64) string {
	return encodeExternalID(app, groupIDs, groupID)
}

// ParseGroupExternalID reads a SealTalk group id of the app, like
// ParseExternalID.
func ParseGroupExternalID(app model.App, id string) (groupID int64, ok bool) {
	return parseExternalID(app, groupIDs, id)
}

// encodeExternalID spells an internal id (positive, at most maxKeyedID: anything
// else has a spelling no parse accepts).
func encodeExternalID(app model.App, sp idSpace, id int64) string {
	if id > 0 && id <= sp.legacyUpTo(app) {
		return base62(uint64(legacyPermute(uint64(id))), legacyIDLength)
	}
	return base62(newIDCipher(app, sp).encrypt(uint64(id)), keyedIDLength)
}

func parseExternalID(app model.App, sp idSpace, s string) (int64, bool) {
	switch len(s) {
	case legacyIDLength:
		v, ok := unbase62(s)
		if !ok {
			return 0, false
		}
		id := legacyUnpermute(v)
		return id, id > 0 && id <= sp.legacyUpTo(app)
	case keyedIDLength:
		v, ok := unbase62(s)
		if !ok {
			return 0, false
		}
		id := newIDCipher(app, sp).decrypt(v)
		if id > maxKeyedID || int64(id) <= sp.legacyUpTo(app) {
			return 0, false
		}
		return int64(id), true
	}
	return 0, false
}

// legacyPermute is the older versions' id × factor mod 62^8.
func legacyPermute(id uint64) uint64 {
	hi, lo := bits.Mul64(id%legacyModulus, legacyFactor)
	_, r := bits.Div64(hi, lo, legacyModulus)
	return r
}

// legacyUnpermute inverts legacyPermute on [0, 62^8).
func legacyUnpermute(v uint64) int64 {
	hi, lo := bits.Mul64(v%legacyModulus, legacyInverse)
	_, r := bits.Div64(hi, lo, legacyModulus)
	return int64(r)
}

// base62 writes v as exactly n digits (v must fit).
func base62(v uint64, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = externalIDDigits[v%62]
		v /= 62
	}
	return string(b)
}

// unbase62 reads base62 digits; ok is false for any other byte and for a
// value of 2^64 or more.
func unbase62(s string) (uint64, bool) {
	var v uint64
	for i := 0; i < len(s); i++ {
		d := digitValue(s[i])
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(v, 62)
		var carry uint64
		lo, carry = bits.Add64(lo, uint64(d), 0)
		if hi != 0 || carry != 0 {
			return 0, false
		}
		v = lo
	}
	return v, true
}

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// idCipher is the keyed permutation of 64-bit values for one tenant and
// id space.
type idCipher struct {
	mac   func([]byte) []byte
	space idSpace
}

func newIDCipher(app model.App, sp idSpace) idCipher {
	if len(app.IDKey) == 0 {
		// Every app the store returns has a key (migration 0015, PutApp,
		// and the store's withIDKey); spelling ids without one would make
		// them public again.
		panic(fmt.Sprintf("app %s has no id key", app.Key))
	}
	h := hmac.New(sha256.New, app.IDKey)
	var sum [sha256.Size]byte
	return idCipher{space: sp, mac: func(msg []byte) []byte {
		h.Reset()
		h.Write(msg)
		return h.Sum(sum[:0])
	}}
}

// round is the round function: the first 32 bits of
// HMAC(key, space || round || half).
func (c idCipher) round(i int, half uint32) uint32 {
	var msg [6]byte
	msg[0], msg[1] = byte(c.space), byte(i)
	binary.BigEndian.PutUint32(msg[2:], half)
	return binary.BigEndian.Uint32(c.mac(msg[:]))
}

func (c idCipher) encrypt(v uint64) uint64 {
	l, r := uint32(v>>32), uint32(v)
	for i := range feistelRounds {
		l, r = r, l^c.round(i, r)
	}
	return uint64(l)<<32 | uint64(r)
}

func (c idCipher) decrypt(v uint64) uint64 {
	l, r := uint32(v>>32), uint32(v)
	for i := feistelRounds - 1; i >= 0; i-- {
		l, r = r^c.round(i, l), l
	}
	return uint64(l)<<32 | uint64(r)
}
