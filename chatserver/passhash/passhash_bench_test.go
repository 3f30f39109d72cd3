package passhash

import (
	"context"
	"testing"
	"time"
)

// BenchmarkHash measures one Hash with Default: the latency a single
// registration or password change pays.
func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashMany500 measures the bulk-registration path the 2 s budget
// is about: one op is a whole batch of 500 users with Default.
func BenchmarkHashMany500(b *testing.B) {
	const batch = 500
	pw := manyPasswords(batch)
	ctx := context.Background()
	n := 0
	start := time.Now()
	for b.Loop() {
		if _, err := HashMany(ctx, pw); err != nil {
			b.Fatal(err)
		}
		n++
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(n), "ms/batch")
	b.ReportMetric(float64(batch*n)/elapsed.Seconds(), "users/s")
}
