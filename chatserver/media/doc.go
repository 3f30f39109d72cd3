// Package media holds what media uploads need below the domain rules:
// where the bytes are kept (Blobs, stored in the database by default),
// what an image's header says (ProbeImage), the seed's checksums (Etag),
// and signed, expiring download tokens (Signer).
//
// It knows nothing about HTTP; core decides which uploads are accepted and
// the faces map tokens onto URLs.
package media
