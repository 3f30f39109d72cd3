package model

import "time"

// MediaType is what kind of file an upload is; it decides which checks
// run and which fields the upload answers with.
type MediaType string

// The upload types of POST /v1/resource?type=.
const (
	MediaImage MediaType = "image"
	MediaFile  MediaType = "file"
	MediaVoice MediaType = "voice"
)

// Media describes one uploaded file. The bytes themselves live in a
// media.Blobs store under (AppID, MediaID).
type Media struct {
	AppID   int64
	MediaID string
	Type    MediaType
	// Format is "jpg", "png", "gif" or "bmp" for images (read from the
	// bytes), the lower-case extension or "unknown" for voice, and empty
	// for files.
	Format string
	// Filename is the uploaded file's base name; the seed answers it as
	// fname for files.
	Filename string
	Size     int64
	CRC32    uint32
	Hash     string
	Width    int
	Height   int
	Created  time.Time
}
