package media_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/media"
)

func TestCRC32IsIEEE(t *testing.T) {
	if got := media.CRC32([]byte("123456789")); got != 0xCBF43926 {
		t.Fatalf("CRC32 = %#x, want the IEEE check value 0xcbf43926", got)
	}
}

func TestEtag(t *testing.T) {
	t.Parallel()
	// Qiniu's published etag of the empty file.
	if got := media.Etag(nil); got != "Fto5o-5ea0sNMlW_75VgGJCv2AcJ" {
		t.Errorf("Etag(empty) = %q", got)
	}
	small := []byte("hello")
	sum := sha1.Sum(small)
	if got, want := media.Etag(small), base64.URLEncoding.EncodeToString(append([]byte{0x16}, sum[:]...)); got != want {
		t.Errorf("Etag(small) = %q, want %q", got, want)
	}

	const block = 4 << 20
	exactlyOneBlock := bytes.Repeat([]byte{'a'}, block)
	if got := media.Etag(exactlyOneBlock); got[0] != 'F' || len(got) != 28 {
		t.Errorf("Etag(4 MiB) = %q, want the single-block form", got)
	}
	big := append(bytes.Repeat([]byte{'a'}, block), 'b', 'c')
	b1, b2 := sha1.Sum(big[:block]), sha1.Sum(big[block:])
	tree := sha1.Sum(append(b1[:], b2[:]...))
	if got, want := media.Etag(big), base64.URLEncoding.EncodeToString(append([]byte{0x96}, tree[:]...)); got != want {
		t.Errorf("Etag(4 MiB + 2) = %q, want %q", got, want)
	}
}
