package passhash

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformed is wrapped by every error about an encoded hash that
// cannot be parsed, so callers can tell corrupt data from other failures.
var ErrMalformed = errors.New("passhash: malformed encoded hash")

// b64 is the PHC string format's base64: standard alphabet, no padding.
// Strict rejects non-zero trailing bits so each hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

const algID = "argon2id"

// encode renders the PHC string
// $argon2id$v=19$m=<KiB>,t=<time>,p=<threads>$<salt>$<key>.
func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		algID, argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC string produced by encode. It is strict (fixed
// field order, no optional fields) because we only ever read back what we
// wrote; leniency would just widen the attack surface of stored data.
func decode(s string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(s, "$")
	// Leading "$" yields an empty first element.
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, malformed("want 5 '$'-separated fields, got %d", len(parts)-1)
	}
	if parts[1] != algID {
		return p, nil, nil, malformed("unsupported algorithm %q", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, malformed("unsupported version %q", parts[2])
	}
	if err := parseParams(parts[3], &p); err != nil {
		return p, nil, nil, err
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, malformed("salt: %v", err)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, malformed("key: %v", err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return p, nil, nil, malformed("%v", err)
	}
	return p, salt, key, nil
}

// parseParams parses "m=<uint>,t=<uint>,p=<uint>" into p.
func parseParams(s string, p *Params) error {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return malformed("params %q: want m=,t=,p=", s)
	}
	names := [3]string{"m", "t", "p"}
	bits := [3]int{32, 32, 8}
	var vals [3]uint64
	for i, f := range fields {
		name, val, ok := strings.Cut(f, "=")
		if !ok || name != names[i] {
			return malformed("params %q: want %s= at position %d", s, names[i], i+1)
		}
		v, err := strconv.ParseUint(val, 10, bits[i])
		if err != nil {
			return malformed("params %q: %s: %v", s, name, err)
		}
		vals[i] = v
	}
	p.MemoryKiB, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	return nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
