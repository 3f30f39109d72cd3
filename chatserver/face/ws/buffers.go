package ws

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// Buffer sizes of an accepted connection. net/http hands a hijacked
// connection 4 KiB read and write buffers, and they would live as long as
// the connection: 8 KiB per idle session. Frames are small (a message
// frame is a few hundred bytes); a larger one is read or written in
// several steps.
const (
	connReadBuffer  = 256
	connWriteBuffer = 512
)

// smallBuffers makes websocket.Accept's hijack return small buffers of
// its own; bytes net/http had already read past the request are kept.
type smallBuffers struct{ http.ResponseWriter }

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	n := brw.Reader.Buffered()
	if n == 0 {
		return conn, bufio.NewReadWriter(bufio.NewReaderSize(conn, connReadBuffer), bufio.NewWriterSize(conn, connWriteBuffer)), nil
	}
	// The client's first bytes came with the request. They must end up in
	// the new reader's buffer, not behind a wrapper: websocket.Accept keeps
	// the buffered bytes and resets the reader onto the bare connection.
	early, _ := brw.Reader.Peek(n)
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(connReadBuffer, n))
	if _, err := br.Peek(n); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, connWriteBuffer)), nil
}
