package media_test

import (
	"errors"
	"image"
	"io"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/media"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// A format package image knows but uploads do not accept.
func init() {
	image.RegisterFormat("fakefmt", "FAKEFMT", func(io.Reader) (image.Image, error) { return nil, errors.New("no") },
		func(io.Reader) (image.Config, error) { return image.Config{Width: 3, Height: 3}, nil })
}

func TestProbeImageReadsFormatAndSizeFromTheBytes(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"png", "jpg", "gif", "bmp"} {
		t.Run(format, func(t *testing.T) {
			info, err := media.ProbeImage(testutil.ImageBytes(t, format, 37, 23))
			if err != nil {
				t.Fatal(err)
			}
			if want := (media.ImageInfo{Format: format, Width: 37, Height: 23}); info != want {
				t.Fatalf("ProbeImage = %+v, want %+v", info, want)
			}
		})
	}
}

func TestProbeImageRefusesOtherBytes(t *testing.T) {
	t.Parallel()
	png := testutil.ImageBytes(t, "png", 4, 4)
	for name, data := range map[string][]byte{
		"empty":             nil,
		"text":              []byte("hello, this is not an image"),
		"truncated header":  png[:12],
		"unaccepted format": []byte("FAKEFMT and then some"),
		"zero-size gif":     []byte("GIF89a\x00\x00\x00\x00\x00\x00\x00"),
	} {
		if info, err := media.ProbeImage(data); !errors.Is(err, media.ErrNotImage) {
			t.Errorf("%s: ProbeImage = %+v, %v; want ErrNotImage", name, info, err)
		}
	}
}
