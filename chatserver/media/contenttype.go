package media

import "github.com/chat-operator/chat-operator/chatserver/model"

// contentTypes are the types downloads are served with. Anything else,
// files above all, is served as application/octet-stream: uploads are
// tenant content, and a browser must never run one as a page of ours.
var contentTypes = map[model.MediaType]map[string]string{
	model.MediaImage: {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "bmp": "image/bmp"},
	model.MediaVoice: {
		"m4a": "audio/mp4", "mp3": "audio/mpeg", "amr": "audio/amr", "aac": "audio/aac",
		"wav": "audio/wav", "ogg": "audio/ogg", "opus": "audio/opus",
	},
}

// ContentType is the MIME type to serve an upload with.
func ContentType(m model.Media) string {
	if ct, ok := contentTypes[m.Type][m.Format]; ok {
		return ct
	}
	return "application/octet-stream"
}
