package passhash

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// tiny keeps tests that are not about Default fast: 64 KiB, one pass.
var tiny = Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

// withDefault swaps Default for the duration of a test.
func withDefault(t *testing.T, p Params) {
	t.Helper()
	old := Default
	Default = p
	t.Cleanup(func() { Default = old })
}

func mustHash(t *testing.T, p Params, pw string) string {
	t.Helper()
	h, err := HashWith(p, pw)
	if err != nil {
		t.Fatalf("HashWith(%q): %v", pw, err)
	}
	return h
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		password string
		attempt  string
		want     bool
	}{
		{"ascii", "hunter2", "hunter2", true},
		{"wrong password", "hunter2", "hunter3", false},
		{"case differs", "Secret", "secret", false},
		{"prefix only", "correct horse", "correct", false},
		{"empty", "", "", true},
		{"empty vs non-empty", "", "x", false},
		{"unicode", "пароль-密码-🔐", "пароль-密码-🔐", true},
		// Same glyph, different code points (NFC vs NFD): we hash bytes,
		// normalisation is the caller's policy.
		{"unicode normalisation", "caf\u00e9", "cafe\u0301", false},
		{"long", strings.Repeat("a", 1000), strings.Repeat("a", 1000), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustHash(t, tiny, tt.password)
			ok, err := Verify(tt.attempt, h)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if ok != tt.want {
				t.Errorf("Verify(%q, hash of %q) = %v, want %v", tt.attempt, tt.password, ok, tt.want)
			}
		})
	}
}

func TestDefaultRoundTrip(t *testing.T) {
	h, err := Hash("default params")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", Default.MemoryKiB, Default.Time, Default.Threads)
	if !strings.HasPrefix(h, want) {
		t.Errorf("Hash = %q, want prefix %q", h, want)
	}
	if ok, err := Verify("default params", h); !ok || err != nil {
		t.Errorf("Verify = %v, %v; want true, nil", ok, err)
	}
}

func TestSaltMakesHashesDiffer(t *testing.T) {
	a, b := mustHash(t, tiny, "same"), mustHash(t, tiny, "same")
	if a == b {
		t.Fatalf("two hashes of the same password are equal: %q", a)
	}
	saltOf := func(h string) string { return strings.Split(h, "$")[4] }
	if saltOf(a) == saltOf(b) {
		t.Errorf("salts repeat: %q", saltOf(a))
	}
}

func TestEncodingFormat(t *testing.T) {
	h := mustHash(t, Params{Time: 2, MemoryKiB: 32, Threads: 1, SaltLen: 16, KeyLen: 32}, "pw")
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=32,t=2,p=1" {
		t.Fatalf("unexpected encoding %q", h)
	}
	// Raw std base64: 16 bytes -> 22 chars, 32 bytes -> 43 chars, no '='.
	if len(parts[4]) != 22 || len(parts[5]) != 43 || strings.ContainsAny(parts[4]+parts[5], "=-_") {
		t.Errorf("salt/key not raw base64 of expected lengths: %q", h)
	}
}

func TestVerifyMalformed(t *testing.T) {
	good := mustHash(t, tiny, "pw")
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	join := func(alg, ver, params, salt, key string) string {
		return strings.Join([]string{"", alg, ver, params, salt, key}, "$")
	}
	tests := []struct {
		name    string
		encoded string
	}{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"no leading dollar", strings.TrimPrefix(good, "$")},
		{"argon2i prefix", join("argon2i", "v=19", "m=64,t=1,p=1", salt, key)},
		{"bcrypt prefix", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"md5 crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"},
		{"old version", join("argon2id", "v=16", "m=64,t=1,p=1", salt, key)},
		{"version missing", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"truncated after params", "$argon2id$v=19$m=64,t=1,p=1"},
		{"truncated no key", strings.Join(parts[:5], "$")},
		{"truncated key", good[:len(good)-30]}, // 13 base64 chars: impossible length
		{"empty key", join("argon2id", "v=19", "m=64,t=1,p=1", salt, "")},
		{"extra field", good + "$extra"},
		{"bad base64 salt", join("argon2id", "v=19", "m=64,t=1,p=1", "!!!!"+salt[4:], key)},
		{"bad base64 key", join("argon2id", "v=19", "m=64,t=1,p=1", salt, key[:10]+"*"+key[11:])},
		{"padded base64", join("argon2id", "v=19", "m=64,t=1,p=1", salt+"==", key)},
		{"url base64", join("argon2id", "v=19", "m=64,t=1,p=1", salt, strings.Repeat("_", 43))},
		{"short salt", join("argon2id", "v=19", "m=64,t=1,p=1", "AAAA", key)},
		{"params reordered", join("argon2id", "v=19", "t=1,m=64,p=1", salt, key)},
		{"params missing p", join("argon2id", "v=19", "m=64,t=1", salt, key)},
		{"params extra", join("argon2id", "v=19", "m=64,t=1,p=1,k=2", salt, key)},
		{"params non-numeric", join("argon2id", "v=19", "m=abc,t=1,p=1", salt, key)},
		{"params negative", join("argon2id", "v=19", "m=64,t=-1,p=1", salt, key)},
		{"params zero time", join("argon2id", "v=19", "m=64,t=0,p=1", salt, key)},
		{"params zero threads", join("argon2id", "v=19", "m=64,t=1,p=0", salt, key)},
		{"params p overflows uint8", join("argon2id", "v=19", "m=64,t=1,p=256", salt, key)},
		{"params m overflows uint32", join("argon2id", "v=19", "m=4294967296,t=1,p=1", salt, key)},
		{"params memory below 8*p", join("argon2id", "v=19", "m=8,t=1,p=2", salt, key)},
		// A planted row must not make us allocate 4 GiB or loop for ages.
		{"params huge memory", join("argon2id", "v=19", "m=4194304,t=1,p=1", salt, key)},
		{"params huge time", join("argon2id", "v=19", "m=64,t=100000,p=1", salt, key)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Verify("pw", tt.encoded)
			if err == nil {
				t.Fatalf("Verify(%q) = %v, nil; want error", tt.encoded, ok)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if ok {
				t.Errorf("Verify returned ok=true alongside error")
			}
		})
	}
}

func TestParamsParsedFromEncoding(t *testing.T) {
	// Hashes made with settings other than Default must verify, so Default
	// can change without locking anyone out.
	tests := []Params{
		{Time: 1, MemoryKiB: 8, Threads: 1, SaltLen: 8, KeyLen: 16},
		{Time: 3, MemoryKiB: 128, Threads: 2, SaltLen: 32, KeyLen: 64},
		{Time: 2, MemoryKiB: 256, Threads: 4, SaltLen: 16, KeyLen: 32},
	}
	for _, p := range tests {
		t.Run(fmt.Sprintf("m=%d,t=%d,p=%d,s=%d,k=%d", p.MemoryKiB, p.Time, p.Threads, p.SaltLen, p.KeyLen), func(t *testing.T) {
			h := mustHash(t, p, "pw")
			got, salt, key, err := decode(h)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got != p || len(salt) != int(p.SaltLen) || len(key) != int(p.KeyLen) {
				t.Errorf("decode = %+v (salt %d, key %d), want %+v", got, len(salt), len(key), p)
			}
			if ok, err := Verify("pw", h); !ok || err != nil {
				t.Errorf("Verify = %v, %v; want true, nil", ok, err)
			}
			if ok, err := Verify("wrong", h); ok || err != nil {
				t.Errorf("Verify(wrong) = %v, %v; want false, nil", ok, err)
			}
		})
	}
}

func TestHashWithInvalidParams(t *testing.T) {
	tests := []struct {
		name string
		p    Params
	}{
		{"zero", Params{}},
		{"zero time", Params{Time: 0, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}},
		{"zero threads", Params{Time: 1, MemoryKiB: 64, Threads: 0, SaltLen: 16, KeyLen: 32}},
		{"memory below 8*p", Params{Time: 1, MemoryKiB: 15, Threads: 2, SaltLen: 16, KeyLen: 32}},
		{"short salt", Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 4, KeyLen: 32}},
		{"short key", Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := HashWith(tt.p, "pw"); err == nil {
				t.Errorf("HashWith(%+v) = %q, nil; want error", tt.p, h)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	def := Params{Time: 2, MemoryKiB: 128, Threads: 1, SaltLen: 16, KeyLen: 32}
	withDefault(t, def)
	with := func(f func(*Params)) Params { p := def; f(&p); return p }
	tests := []struct {
		name string
		p    Params
		want bool
	}{
		{"same as default", def, false},
		{"less memory", with(func(p *Params) { p.MemoryKiB = 64 }), true},
		{"fewer passes", with(func(p *Params) { p.Time = 1 }), true},
		{"shorter salt", with(func(p *Params) { p.SaltLen = 8 }), true},
		{"shorter key", with(func(p *Params) { p.KeyLen = 16 }), true},
		{"more memory", with(func(p *Params) { p.MemoryKiB = 256 }), false},
		{"more passes", with(func(p *Params) { p.Time = 3 }), false},
		{"more threads", with(func(p *Params) { p.Threads = 2 }), false},
		{"more memory fewer passes", with(func(p *Params) { p.MemoryKiB = 512; p.Time = 1 }), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsRehash(mustHash(t, tt.p, "pw")); got != tt.want {
				t.Errorf("NeedsRehash(%+v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "$2a$10$abc", "$argon2id$v=19$m=64"} {
		if !NeedsRehash(bad) {
			t.Errorf("NeedsRehash(%q) = false, want true for unreadable hash", bad)
		}
	}
}

func TestHashMany(t *testing.T) {
	withDefault(t, tiny)
	tests := []struct {
		name      string
		passwords []string
	}{
		{"empty", []string{}},
		{"nil", nil},
		{"one", []string{"solo"}},
		{"fewer than workers", []string{"a", "b"}},
		{"many", manyPasswords(50)},
		{"duplicates and unicode", []string{"dup", "dup", "", "日本語", "dup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HashMany(context.Background(), tt.passwords)
			if err != nil {
				t.Fatalf("HashMany: %v", err)
			}
			if len(got) != len(tt.passwords) {
				t.Fatalf("len = %d, want %d", len(got), len(tt.passwords))
			}
			seen := map[string]bool{}
			for i, h := range got {
				if seen[h] {
					t.Errorf("[%d] duplicate hash %q", i, h)
				}
				seen[h] = true
				// Order: hash i must verify against password i only.
				if ok, err := Verify(tt.passwords[i], h); !ok || err != nil {
					t.Errorf("[%d] Verify(own password) = %v, %v", i, ok, err)
				}
				if i > 0 && tt.passwords[i-1] != tt.passwords[i] {
					if ok, _ := Verify(tt.passwords[i-1], h); ok {
						t.Errorf("[%d] verifies against neighbour's password", i)
					}
				}
			}
		})
	}
}

func TestHashManyCancelled(t *testing.T) {
	withDefault(t, tiny)
	t.Run("before start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		got, err := HashMany(ctx, manyPasswords(10))
		if !errors.Is(err, context.Canceled) || got != nil {
			t.Errorf("HashMany = %d results, %v; want nil, context.Canceled", len(got), err)
		}
	})
	t.Run("while waiting for slots", func(t *testing.T) {
		// Hold every slot so the workers must block in acquire, then
		// cancel: they have to give up rather than wait forever.
		for range cap(slots) {
			slots <- struct{}{}
		}
		defer func() {
			for range cap(slots) {
				<-slots
			}
		}()
		ctx, cancel := context.WithCancel(context.Background())
		res := make(chan error, 1)
		go func() {
			got, err := HashMany(ctx, manyPasswords(10))
			if got != nil {
				err = fmt.Errorf("got %d results alongside %v", len(got), err)
			}
			res <- err
		}()
		time.Sleep(20 * time.Millisecond) // let the workers reach acquire
		cancel()
		select {
		case err := <-res:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("HashMany err = %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("HashMany did not return after cancel")
		}
	})
	t.Run("mid batch", func(t *testing.T) {
		// 1000 hashes at 1 MiB take a few hundred ms even on 2 cores, so
		// a 30 ms deadline lands while hashing is under way.
		withDefault(t, Params{Time: 1, MemoryKiB: 1024, Threads: 1, SaltLen: 16, KeyLen: 32})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		got, err := HashMany(ctx, manyPasswords(1000))
		if !errors.Is(err, context.DeadlineExceeded) || got != nil {
			t.Errorf("HashMany = %d results, %v; want nil, context.DeadlineExceeded", len(got), err)
		}
		// Stopping must be prompt: at most the hashes already in flight.
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("HashMany took %v after cancellation", d)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 0)
		defer cancel()
		if _, err := HashMany(ctx, manyPasswords(3)); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

func manyPasswords(n int) []string {
	pw := make([]string, n)
	for i := range pw {
		pw[i] = fmt.Sprintf("password-%d", i)
	}
	return pw
}
