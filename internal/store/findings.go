package store

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/iamsweep/iamsweep"
)

// A scan's findings are stored in chunks: rows of finding_chunks that each
// hold up to chunkSize findings, in the order the scan gave them, as one
// DEFLATE-compressed blob, with the smallest and largest ARN of the chunk
// beside it so that a principal's history reads only the chunks that can
// hold it. A finding repeats much of its neighbours' text (account, path,
// type, verdict, rule, tag keys, region, the wording of the reason): the
// compression stores that once per stretch instead of once per finding,
// and a scan of 50,000 findings is a hundred-odd rows, not 50,000 (see
// BenchmarkRecordScan and TestRecordScan_size).
//
// Chunk format 1, before compression, is the findings one after another,
// each its fields in this order:
//
//	type, account ID, account name, ARN, principal ID, name, path,
//	verdict, rule, reason                         strings
//	created                                       time
//	last used: time, region                       time, string
//	days unused                                   optional integer
//	access key ID                                 string
//	key slot                                      integer
//	tags                                          optional list of key, value strings
//
// A string is its length (uvarint) and its bytes. An integer is a varint.
// A time is a uvarint, 0 for the zero time or 1 + the nanosecond, then for
// a non-zero time the Unix seconds as a varint. An optional integer is a
// byte, 0 for none or 1, then the integer. An optional list is a uvarint, 0
// for nil or 1 + the number of elements, then the elements. A new
// encoding takes a new format number; decoding keeps reading the old.

// chunkFormat is the format of the chunks written now.
const chunkFormat = 1

// chunkSize is the number of findings per chunk: large enough for the
// compression to find the repetition and for few rows per scan, small
// enough that a principal's history decodes little beyond its own findings.
const chunkSize = 256

// chunk is one row of finding_chunks, ready to insert.
type chunk struct {
	count          int
	minARN, maxARN string
	body           []byte
}

// chunkEncoder turns findings into chunks, reusing its buffers.
type chunkEncoder struct {
	raw []byte
	out bytes.Buffer
	zw  *flate.Writer
}

// encode returns findings as one chunk. A time outside the years 0-9999
// is an error, as the rest of the store refuses it.
func (e *chunkEncoder) encode(findings []iamsweep.Finding) (chunk, error) {
	c := chunk{count: len(findings)}
	if len(findings) > 0 {
		c.minARN, c.maxARN = findings[0].ARN, findings[0].ARN
	}
	e.raw = e.raw[:0]
	for _, f := range findings {
		var err error
		if e.raw, err = appendFinding(e.raw, f); err != nil {
			return chunk{}, fmt.Errorf("finding %s: %w", f.ARN, err)
		}
		c.minARN, c.maxARN = min(c.minARN, f.ARN), max(c.maxARN, f.ARN)
	}
	e.out.Reset()
	if e.zw == nil {
		zw, err := flate.NewWriter(&e.out, flate.BestSpeed)
		if err != nil {
			return chunk{}, err
		}
		e.zw = zw
	} else {
		e.zw.Reset(&e.out)
	}
	if _, err := e.zw.Write(e.raw); err != nil {
		return chunk{}, err
	}
	if err := e.zw.Close(); err != nil {
		return chunk{}, err
	}
	c.body = bytes.Clone(e.out.Bytes())
	return c, nil
}

func appendFinding(b []byte, f iamsweep.Finding) ([]byte, error) {
	for _, s := range [...]string{string(f.Type), f.AccountID, f.AccountName, f.ARN, f.PrincipalID, f.Name, f.Path,
		string(f.Verdict), string(f.Rule), f.Reason} {
		b = appendString(b, s)
	}
	var err error
	if b, err = appendTime(b, f.Created); err != nil {
		return nil, err
	}
	if b, err = appendTime(b, f.LastUsed.Time); err != nil {
		return nil, err
	}
	b = appendString(b, f.LastUsed.Region)
	if f.DaysUnused == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendVarint(append(b, 1), int64(*f.DaysUnused))
	}
	b = appendString(b, f.AccessKeyID)
	b = binary.AppendVarint(b, int64(f.KeySlot))
	if f.Tags == nil {
		return binary.AppendUvarint(b, 0), nil
	}
	b = binary.AppendUvarint(b, uint64(len(f.Tags))+1)
	for _, t := range f.Tags {
		b = appendString(appendString(b, t.Key), t.Value)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendTime(b []byte, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return append(b, 0), nil
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("time %s out of range", t)
	}
	b = binary.AppendUvarint(b, uint64(t.Nanosecond())+1)
	return binary.AppendVarint(b, t.Unix()), nil
}

// chunkDecoder reads chunks, reusing its decompressor and buffer, and
// one copy of each text that findings share (types, verdicts, accounts,
// paths, regions, tags) across the chunks it reads.
type chunkDecoder struct {
	zr     io.ReadCloser
	raw    bytes.Buffer
	shared map[string]string
}

// decode returns the findings of a chunk of the given format.
func (d *chunkDecoder) decode(format int, body []byte) ([]iamsweep.Finding, error) {
	if format != chunkFormat {
		return nil, fmt.Errorf("stored findings format %d is unknown to this iamsweep (it reads up to %d): upgrade iamsweep", format, chunkFormat)
	}
	if d.zr == nil {
		d.zr = flate.NewReader(bytes.NewReader(body))
	} else if err := d.zr.(flate.Resetter).Reset(bytes.NewReader(body), nil); err != nil {
		return nil, err
	}
	d.raw.Reset()
	if _, err := d.raw.ReadFrom(d.zr); err != nil {
		return nil, fmt.Errorf("decompress stored findings: %w", err)
	}
	if d.shared == nil {
		d.shared = map[string]string{}
	}
	return decodeFindings(d.raw.Bytes(), d.shared)
}

// decodeFindings reads the findings of an uncompressed chunk, taking the
// texts findings share from shared and adding to it.
func decodeFindings(raw []byte, shared map[string]string) ([]iamsweep.Finding, error) {
	r := reader{b: raw, shared: shared}
	var out []iamsweep.Finding
	for len(r.b) > 0 && r.err == nil {
		out = append(out, r.finding())
	}
	if r.err != nil {
		return nil, fmt.Errorf("decode stored findings: finding %d: %w", len(out)-1, r.err)
	}
	return out, nil
}

// errTruncated: a stored record ends before its last field.
var errTruncated = errors.New("truncated record")

// reader reads the fields of chunk format 1; after the first error, every
// read returns a zero value and err keeps the error.
type reader struct {
	b      []byte
	err    error
	shared map[string]string
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errTruncated
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *reader) string() string { return string(r.bytes()) }

// sharedString reads a string that many findings hold.
func (r *reader) sharedString() string {
	b := r.bytes()
	if s, ok := r.shared[string(b)]; ok {
		return s
	}
	s := string(b)
	r.shared[s] = s
	return s
}

func (r *reader) time() time.Time {
	ns := r.uvarint()
	if ns == 0 || r.err != nil {
		return time.Time{}
	}
	if ns > 1e9 {
		r.err = fmt.Errorf("nanosecond %d out of range", ns-1)
		return time.Time{}
	}
	return time.Unix(r.varint(), int64(ns-1)).UTC()
}

func (r *reader) finding() iamsweep.Finding {
	var f iamsweep.Finding
	f.Type = iamsweep.FindingType(r.sharedString())
	f.AccountID = r.sharedString()
	f.AccountName = r.sharedString()
	f.ARN = r.string()
	f.PrincipalID = r.string()
	f.Name = r.string()
	f.Path = r.sharedString()
	f.Verdict = iamsweep.Verdict(r.sharedString())
	f.Rule = iamsweep.Rule(r.sharedString())
	f.Reason = r.string()
	f.Created = r.time()
	f.LastUsed.Time = r.time()
	f.LastUsed.Region = r.sharedString()
	switch present := r.uvarint(); {
	case present == 1:
		d := int(r.varint())
		f.DaysUnused = &d
	case present != 0:
		r.err = fmt.Errorf("days unused: flag %d", present)
	}
	f.AccessKeyID = r.string()
	f.KeySlot = int(r.varint())
	if n := r.uvarint(); n > 0 && r.err == nil {
		if n-1 > uint64(len(r.b)) { // each tag takes at least two bytes
			r.err = errTruncated
			return f
		}
		f.Tags = make([]iamsweep.Tag, n-1)
		for i := range f.Tags {
			f.Tags[i] = iamsweep.Tag{Key: r.sharedString(), Value: r.sharedString()}
		}
	}
	return f
}
