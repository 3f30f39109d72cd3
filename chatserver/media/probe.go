package media

import (
	"bytes"
	"errors"
	"image"

	// The formats the seed accepts ("jpg bmp gif png"), registered with
	// package image for DecodeConfig.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
)

// ErrNotImage: the bytes are not an image in one of the accepted formats.
var ErrNotImage = errors.New("not a jpg, png, gif or bmp image")

// imageFormats maps package image's format names to the names the seed
// answers with; any other registered format is refused.
var imageFormats = map[string]string{
	"jpeg": "jpg",
	"png":  "png",
	"gif":  "gif",
	"bmp":  "bmp",
}

// ImageInfo is what an image's header says about it.
type ImageInfo struct {
	Format        string // "jpg", "png", "gif" or "bmp"
	Width, Height int
}

// ProbeImage reads the format and size from the image's header. It looks
// at the bytes only, never at a file name, and does not decode the pixels,
// so a small file claiming a huge size costs nothing.
func ProbeImage(data []byte) (ImageInfo, error) {
	cfg, name, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return ImageInfo{}, ErrNotImage
	}
	format, ok := imageFormats[name]
	if !ok || cfg.Width <= 0 || cfg.Height <= 0 {
		return ImageInfo{}, ErrNotImage
	}
	return ImageInfo{Format: format, Width: cfg.Width, Height: cfg.Height}, nil
}
