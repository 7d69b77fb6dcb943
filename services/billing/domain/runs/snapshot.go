package runs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
)

// Snapshot streams one school's inputs of a run: a header (what every
// subject of the school shares), then one JSON value per subject, each
// encoded once into both the sha256 of the uncompressed stream and its
// gzip-compressed (BestSpeed) stored form.
type Snapshot struct {
	facts hash.Hash
	gz    *gzip.Writer
	buf   bytes.Buffer
	enc   *json.Encoder
}

// gzipWriters are reused across schools: a flate compressor holds about a
// megabyte of tables, and a city's run compresses a few hundred snapshots.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
	return w
}}

// NewSnapshot starts a snapshot stream with its header.
func NewSnapshot(header any) *Snapshot {
	s := &Snapshot{facts: sha256.New()}
	s.gz = gzipWriters.Get().(*gzip.Writer)
	s.gz.Reset(&s.buf)
	s.enc = json.NewEncoder(io.MultiWriter(s.facts, s.gz))
	_ = s.enc.Encode(header)
	return s
}

// Add appends one value (a subject's facts, or a plain string id: ReadSnapshot
// hands strings back apart, as the ids of subjects billed before and now gone).
// Values are plain data, so encoding does not fail.
func (s *Snapshot) Add(v any) { _ = s.enc.Encode(v) }

// Close ends the stream and returns the compressed data and the hex sha256
// of the uncompressed stream. The snapshot cannot be added to after.
func (s *Snapshot) Close() (data []byte, sha string, err error) {
	if err := s.gz.Close(); err != nil {
		return nil, "", fmt.Errorf("compress inputs: %w", err)
	}
	gzipWriters.Put(s.gz)
	s.gz = nil
	return s.buf.Bytes(), hex.EncodeToString(s.facts.Sum(nil)), nil
}

// ReadSnapshot decodes a stored snapshot: the header into header, then
// each value, calling value for objects and gone for strings; it returns
// the hex sha256 of the uncompressed stream, recomputed as it reads.
func ReadSnapshot(data []byte, header any, value func(json.RawMessage) error, gone func(string)) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("gunzip: %w", err)
	}
	h := sha256.New()
	dec := json.NewDecoder(io.TeeReader(zr, h))
	if err := dec.Decode(header); err != nil {
		return "", fmt.Errorf("header: %w", err)
	}
	for n := 1; ; n++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("value %d: %w", n, err)
		}
		if len(raw) > 0 && raw[0] == '"' {
			var id string
			if err := json.Unmarshal(raw, &id); err != nil {
				return "", err
			}
			gone(id)
			continue
		}
		if err := value(raw); err != nil {
			return "", err
		}
	}
	if _, err := io.Copy(h, zr); err != nil { // the decoder stopped at EOF; nothing is left, but hash it if so
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// InputsHash is a run's inputs_hash: the sha256 of the lines
// "<school_id>:<snapshot sha256>\n" in school-id order.
type InputsHash struct{ h hash.Hash }

// NewInputsHash starts an empty inputs hash.
func NewInputsHash() *InputsHash { return &InputsHash{h: sha256.New()} }

// Add adds a school's snapshot hash; schools must come in id order.
func (ih *InputsHash) Add(schoolID, sha string) { ih.h.Write([]byte(schoolID + ":" + sha + "\n")) }

// Sum returns the hex hash.
func (ih *InputsHash) Sum() string { return hex.EncodeToString(ih.h.Sum(nil)) }
