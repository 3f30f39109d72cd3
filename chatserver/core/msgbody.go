package core

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// Required msg_body fields per msg_type, from the seed's table. Each is a
// string or an integer.
var bodyFields = map[string][]struct {
	name    string
	integer bool
}{
	model.MsgText:   {{"text", false}},
	model.MsgImage:  {{"media_id", false}, {"media_crc32", true}, {"width", true}, {"height", true}, {"format", false}, {"fsize", true}},
	model.MsgVoice:  {{"media_id", false}, {"media_crc32", true}, {"duration", true}, {"fsize", true}},
	model.MsgCustom: {},
}

// checkBody validates msg_body for msgType and returns it compacted and
// decoded. The size limit applies to the compacted JSON.
func checkBody(msgType string, raw json.RawMessage, maxBytes int) (string, map[string]any, error) {
	fields, ok := bodyFields[msgType]
	if !ok {
		return "", nil, invalidf("msg_type must be text, image, voice or custom")
	}
	var buf bytes.Buffer
	if len(raw) == 0 || json.Compact(&buf, raw) != nil {
		return "", nil, invalidf("msg_body must be a JSON object")
	}
	if buf.Len() > maxBytes {
		return "", nil, invalidf("msg_body is %d bytes, more than %d", buf.Len(), maxBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil || body == nil {
		return "", nil, invalidf("msg_body must be a JSON object")
	}
	for _, f := range fields {
		v, ok := body[f.name]
		if !ok {
			return "", nil, invalidf("msg_body.%s is required for %s messages", f.name, msgType)
		}
		if f.integer && !isInteger(v) {
			return "", nil, invalidf("msg_body.%s must be a non-negative integer", f.name)
		}
		if s, isString := v.(string); !f.integer && (!isString || s == "") {
			return "", nil, invalidf("msg_body.%s must be a non-empty string", f.name)
		}
	}
	if extras, ok := body["extras"]; ok && msgType == model.MsgText {
		if _, isObject := extras.(map[string]any); !isObject {
			return "", nil, invalidf("msg_body.extras must be a JSON object")
		}
	}
	return buf.String(), body, nil
}

func isInteger(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	i, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		return ferr == nil && f >= 0 && f == math.Trunc(f) && f <= math.MaxUint32
	}
	return i >= 0
}
