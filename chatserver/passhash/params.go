package passhash

import (
	"fmt"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters. They are stored inside every
// encoded hash, so changing them only affects new hashes; old hashes keep
// verifying with the parameters they were made with.
type Params struct {
	Time      uint32 // number of passes over memory (argon2 "t")
	MemoryKiB uint32 // memory per hash in KiB (argon2 "m")
	Threads   uint8  // lanes (argon2 "p"); 1 because HashMany parallelises across hashes instead
	SaltLen   uint32 // random salt length in bytes
	KeyLen    uint32 // derived key length in bytes
}

// Default is what Hash and HashMany use. The values come from
// measurements on the 2-core deployment target (see the package
// documentation): t=1, m=8 MiB is the strongest setting whose 500-user
// batch stays around 1.4 s (median 1.37 s, worst seen 1.67 s), leaving
// headroom for the database writes inside the 2 s registration budget.
// m=9 MiB already had a median of 1.49 s, i.e. half its batches over.
//
// Default may be changed at start-up (before any hashing) when the
// hardware changes; NeedsRehash then upgrades old hashes on next login.
var Default = Params{
	Time:      1,
	MemoryKiB: 8 * 1024,
	Threads:   1,
	SaltLen:   16,
	KeyLen:    32,
}

// Bounds for parameters. The upper bounds matter for Verify: encoded
// strings are data, and a corrupted or planted row must not be able to
// make the server allocate gigabytes or spin for minutes.
const (
	minSaltLen   = 8 // RFC 9106 minimum
	maxSaltLen   = 64
	minKeyLen    = 16 // shorter tags make online collisions plausible
	maxKeyLen    = 64
	maxTime      = 64
	maxMemoryKiB = 1 << 20 // 1 GiB
)

// validate reports whether p is usable. argon2 itself silently raises too
// small memory, which would make the encoded m= lie; reject instead.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of range [1,%d]", p.Time, maxTime)
	case p.Threads < 1:
		return fmt.Errorf("threads must be >= 1")
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of range [%d,%d]", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range [%d,%d]", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range [%d,%d]", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// weakerThan reports whether p is cheaper to attack than q in any
// dimension. Threads is ignored: more lanes do not reduce the attacker's
// total work, they only change how it can be parallelised.
func (p Params) weakerThan(q Params) bool {
	return p.Time < q.Time ||
		p.MemoryKiB < q.MemoryKiB ||
		p.SaltLen < q.SaltLen ||
		p.KeyLen < q.KeyLen
}

// key derives the argon2id key for password and salt under p.
func (p Params) key(password string, salt []byte) []byte {
	return argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
}
