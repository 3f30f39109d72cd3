package media

import (
	"crypto/sha1"
	"encoding/base64"
	"hash/crc32"
)

// CRC32 is the IEEE CRC-32 of data, the seed's media_crc32.
func CRC32(data []byte) uint32 { return crc32.ChecksumIEEE(data) }

// etagBlock is the block size of the etag's SHA-1 tree.
const etagBlock = 4 << 20

// Etag is the seed's "hash": the Qiniu-style etag its examples carry
// ("FtH0kPT0YI89HAw1K9wv_vVKiNab"), so clients that check it keep working.
// Up to 4 MiB it is URL-safe base64 of 0x16 followed by the SHA-1 of the
// bytes; above, of 0x96 followed by the SHA-1 of the concatenated SHA-1s
// of each 4 MiB block. SHA-1 serves here as a checksum, not as security:
// downloads are protected by the signed URL, not by the hash.
func Etag(data []byte) string {
	if len(data) <= etagBlock {
		sum := sha1.Sum(data)
		return base64.URLEncoding.EncodeToString(append([]byte{0x16}, sum[:]...))
	}
	tree := sha1.New()
	for off := 0; off < len(data); off += etagBlock {
		sum := sha1.Sum(data[off:min(off+etagBlock, len(data))])
		tree.Write(sum[:])
	}
	return base64.URLEncoding.EncodeToString(tree.Sum([]byte{0x96}))
}
