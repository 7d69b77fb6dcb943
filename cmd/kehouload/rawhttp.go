package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// leanHTTP is a keep-alive HTTP/1.1 GET client as lean as wrk's: one
// connection per client, each request written in one write, each response
// read on the calling goroutine into a reused buffer. The load shares two
// cores with what it measures, and net/http's client (a read and a write
// goroutine per connection, a header map and a body reader per response)
// spent about a fifth of the machine at 64 clients; this one spends a
// fraction of that, so the server gets the CPU a remote client would leave it.
type leanHTTP struct {
	addr  string
	conns []*leanConn // by worker: a worker only ever touches its own
}

type leanConn struct {
	c    net.Conn
	r    *bufio.Reader
	req  []byte
	body []byte
}

func newLeanHTTP(addr string, workers int) *leanHTTP {
	return &leanHTTP{addr: addr, conns: make([]*leanConn, workers)}
}

// close closes every connection.
func (h *leanHTTP) close() {
	for i, lc := range h.conns {
		if lc != nil {
			lc.c.Close()
			h.conns[i] = nil
		}
	}
}

// get sends GET path with a bearer token on worker w's connection and reads
// the whole response; anything but 200 with a body is an error. A broken
// connection is dropped and the next call dials again.
func (h *leanHTTP) get(ctx context.Context, w int, path, tok string) error {
	lc := h.conns[w]
	if lc == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", h.addr)
		if err != nil {
			return err
		}
		lc = &leanConn{c: c, r: bufio.NewReaderSize(c, 32<<10)}
		h.conns[w] = lc
	}
	if dl, ok := ctx.Deadline(); ok {
		lc.c.SetDeadline(dl)
	}
	err := lc.roundTrip(h.addr, path, tok)
	if err != nil {
		lc.c.Close()
		h.conns[w] = nil
	}
	return err
}

func (lc *leanConn) roundTrip(host, path, tok string) error {
	lc.req = append(lc.req[:0], "GET "...)
	lc.req = append(lc.req, path...)
	lc.req = append(lc.req, " HTTP/1.1\r\nHost: "...)
	lc.req = append(lc.req, host...)
	lc.req = append(lc.req, "\r\nAuthorization: Bearer "...)
	lc.req = append(lc.req, tok...)
	lc.req = append(lc.req, "\r\nAccept: application/json\r\n\r\n"...)
	if _, err := lc.c.Write(lc.req); err != nil {
		return err
	}
	status, err := lc.line()
	if err != nil {
		return err
	}
	if len(status) < 12 || !bytes.HasPrefix(status, []byte("HTTP/1.1 ")) {
		return fmt.Errorf("GET %s: malformed status line %q", path, status)
	}
	code := string(status[9:12])
	length, chunked, closing := -1, false, false
	for {
		l, err := lc.line()
		if err != nil {
			return err
		}
		if len(l) == 0 {
			break
		}
		name, value, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			return fmt.Errorf("GET %s: malformed header %q", path, l)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return fmt.Errorf("GET %s: Content-Length %q", path, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	n := 0
	switch {
	case chunked:
		for {
			l, err := lc.line()
			if err != nil {
				return err
			}
			size, err := strconv.ParseInt(string(bytes.TrimSpace(l)), 16, 32)
			if err != nil {
				return fmt.Errorf("GET %s: chunk size %q", path, l)
			}
			if size == 0 {
				if _, err := lc.line(); err != nil { // the blank line after the last chunk (no trailers are sent)
					return err
				}
				break
			}
			if err := lc.read(int(size) + 2); err != nil { // the chunk and its CRLF
				return err
			}
			n += int(size)
		}
	case length >= 0:
		if err := lc.read(length); err != nil {
			return err
		}
		n = length
	default:
		return fmt.Errorf("GET %s: response without a length", path)
	}
	if closing {
		return errors.New("server closed the connection")
	}
	if code != "200" || n == 0 {
		return fmt.Errorf("GET %s: status %s", path, code)
	}
	return nil
}

// line reads one CRLF-terminated line (without the CRLF). The slice is valid
// until the next read.
func (lc *leanConn) line() ([]byte, error) {
	l, err := lc.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("response line longer than 32 KiB")
		}
		return nil, err
	}
	return bytes.TrimSuffix(bytes.TrimSuffix(l, []byte("\n")), []byte("\r")), nil
}

// read reads n bytes of the body into the connection's reused buffer.
func (lc *leanConn) read(n int) error {
	if cap(lc.body) < n {
		lc.body = make([]byte, n)
	}
	_, err := io.ReadFull(lc.r, lc.body[:n])
	return err
}
