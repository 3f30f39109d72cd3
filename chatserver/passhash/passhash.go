package passhash

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
)

// Hash hashes password with Default and returns a self-describing PHC
// string suitable for storing as-is.
func Hash(password string) (string, error) {
	return HashWith(Default, password)
}

// HashWith hashes password with p and a fresh random salt.
func HashWith(p Params, password string) (string, error) {
	return hashCtx(context.Background(), p, password)
}

// hashCtx is HashWith with a context for waiting on a concurrency slot;
// the argon2 computation itself is not interruptible.
func hashCtx(ctx context.Context, p Params, password string) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("passhash: invalid params: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("passhash: reading salt: %w", err)
	}
	if err := acquire(ctx); err != nil {
		return "", err
	}
	defer release()
	return encode(p, salt, p.key(password, salt)), nil
}

// Verify reports whether password matches encoded. The parameters are
// read from encoded, so hashes made with older Defaults keep working.
// err is non-nil (and wraps ErrMalformed) only when encoded cannot be
// parsed; a wrong password is (false, nil).
func Verify(password, encoded string) (ok bool, err error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	// Verify is as expensive as Hash, so logins share the same bound.
	if err := acquire(context.Background()); err != nil {
		return false, err
	}
	defer release()
	got := p.key(password, salt)
	// Constant time so response timing does not leak how many leading
	// bytes of the key matched.
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded should be replaced by a fresh Hash
// the next time the plaintext is available (i.e. after a successful
// login): it was made with parameters weaker than Default in some
// dimension, or is not a hash this package can read at all. Stronger
// parameters are kept, so lowering Default never downgrades users.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	if err != nil {
		return true
	}
	return p.weakerThan(Default)
}
