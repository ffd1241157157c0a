package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsweep/iamsweep"
)

// codecFindings are findings that exercise every field's edge: nil and
// empty, zero and negative, times with nanoseconds in and out of UTC, text
// that is not ASCII.
func codecFindings() []iamsweep.Finding {
	zeroDays := fullFinding()
	zeroDays.DaysUnused, zeroDays.Tags = intp(0), []iamsweep.Tag{}
	future := fullFinding()
	future.DaysUnused, future.KeySlot = intp(-3), 2
	future.LastUsed.Time = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	old := iamsweep.Finding{
		Type: iamsweep.TypeRootAccessKey, ARN: "arn:aws:iam::000011112222:root",
		Created: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), LastUsed: iamsweep.Usage{Time: time.Date(1969, 12, 31, 23, 59, 59, 5, east)},
	}
	text := iamsweep.Finding{
		ARN: "arn:aws:iam::111122223333:role/é/ロール", Name: "ロール", Path: "/é/",
		Reason: "quote \" backslash \\ newline \n nul \x00 invalid \xff",
		Tags:   []iamsweep.Tag{{Key: "", Value: ""}, {Key: strings.Repeat("k", 128), Value: strings.Repeat("v", 256)}},
	}
	return []iamsweep.Finding{fullFinding(), zeroDays, future, old, text, {}}
}

func TestChunkEncoder_roundTrip(t *testing.T) {
	checkAllSet(t, fullFinding())
	in := codecFindings()
	var enc chunkEncoder
	c, err := enc.encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if c.count != len(in) || c.minARN != "" || c.maxARN != "arn:aws:iam::111122223333:user/service/svc-backup" {
		t.Errorf("chunk holds %d findings from %q to %q", c.count, c.minARN, c.maxARN)
	}
	// The range holds the smallest ARN wherever it is, the first too.
	if c, err := enc.encode([]iamsweep.Finding{{ARN: ""}, {ARN: "b"}, {ARN: "a"}}); err != nil || c.minARN != "" || c.maxARN != "b" {
		t.Errorf("chunk of ARNs \"\", b, a ranges from %q to %q (%v), want \"\" to b", c.minARN, c.maxARN, err)
	}
	var dec chunkDecoder
	got, err := dec.decode(chunkFormat, c.body)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	for _, f := range got {
		for _, tm := range []time.Time{f.Created, f.LastUsed.Time} {
			if !tm.IsZero() && tm.Location() != time.UTC {
				t.Errorf("time %s comes back in %v, want UTC", tm, tm.Location())
			}
		}
	}
	// The encoder's buffers are reused: a second chunk does not carry the
	// first.
	c2, err := enc.encode(in[:1])
	if err != nil {
		t.Fatal(err)
	}
	if got, err := dec.decode(chunkFormat, c2.body); err != nil || len(got) != 1 {
		t.Errorf("second chunk decodes to %d findings, %v; want 1", len(got), err)
	}
}

func TestChunkEncoder_rejectsTimesOutOfRange(t *testing.T) {
	for _, tm := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		var enc chunkEncoder
		if _, err := enc.encode([]iamsweep.Finding{{ARN: "x", LastUsed: iamsweep.Usage{Time: tm}}}); err == nil {
			t.Errorf("encode with a time in year %d succeeded", tm.Year())
		}
	}
}

func TestChunkDecoder_rejectsCorruptChunks(t *testing.T) {
	raw, err := appendFinding(nil, fullFinding())
	if err != nil {
		t.Fatal(err)
	}
	// Every truncation of a record is an error, never a panic or a
	// finding made up of what is left.
	for n := 1; n < len(raw); n++ {
		if got, err := decodeFindings(raw[:n], map[string]string{}); err == nil {
			t.Errorf("a record cut to %d of %d bytes decodes to %+v", n, len(raw), got)
		}
	}
	var dec chunkDecoder
	if _, err := dec.decode(chunkFormat+1, nil); err == nil || !strings.Contains(err.Error(), "upgrade iamsweep") {
		t.Errorf("a chunk of a newer format: %v, want an error that says to upgrade", err)
	}
	if _, err := dec.decode(chunkFormat, []byte("not deflate")); err == nil {
		t.Error("a body that is not DEFLATE decodes")
	}
}

func FuzzDecodeFindings(f *testing.F) {
	for _, fd := range codecFindings() {
		raw, err := appendFinding(nil, fd)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeFindings(raw, map[string]string{})
		if err != nil {
			return
		}
		// What decodes, survives encoding and decoding again.
		var again []byte
		for _, fd := range got {
			if again, err = appendFinding(again, fd); err != nil {
				return // a time the encoder refuses
			}
		}
		back, err := decodeFindings(again, map[string]string{})
		if err != nil {
			t.Fatalf("re-encoded findings do not decode: %v", err)
		}
		if diff := cmp.Diff(got, back); diff != "" {
			t.Errorf("findings change on the way back (-first +second):\n%s", diff)
		}
	})
}

// benchFindings returns n findings of one account, as a scan of roles and
// users gives them: mostly unused roles under a few paths, the rest users
// with a password and two keys, their reasons and tags varying.
func benchFindings(n int) []iamsweep.Finding {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	paths := []string{"/", "/app/", "/service-role/", "/teams/data/"}
	out := make([]iamsweep.Finding, 0, n)
	for i := 0; len(out) < n; i++ {
		d := 90 + (i*37)%900
		last := base.Add(time.Duration(i*7919) * time.Second)
		tags := []iamsweep.Tag{{Key: "owner", Value: fmt.Sprintf("team-%d@example.com", i%50)}, {Key: "env", Value: []string{"prod", "dev", "test"}[i%3]}}
		if i%10 != 9 {
			path := paths[i%len(paths)]
			name := fmt.Sprintf("app-%05d-role", i)
			out = append(out, iamsweep.Finding{
				Type: iamsweep.TypeUnusedIAMRole, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:role" + path + name,
				PrincipalID: fmt.Sprintf("AROA%017X", i*2654435761), Name: name, Path: path,
				Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed,
				Reason:  fmt.Sprintf("last used %d days ago in eu-west-1", d),
				Created: base.Add(-time.Duration(i) * time.Minute), LastUsed: iamsweep.Usage{Time: last, Region: "eu-west-1"},
				DaysUnused: intp(d), Tags: tags,
			})
			continue
		}
		name := fmt.Sprintf("user-%05d", i)
		u := iamsweep.Finding{
			Type: iamsweep.TypeUnusedIAMUser, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/" + name,
			PrincipalID: fmt.Sprintf("AIDA%017X", i*2654435761), Name: name, Path: "/",
			Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed,
			Reason:  fmt.Sprintf("no password or access key used in %d days", d),
			Created: base.Add(-time.Duration(i) * time.Minute), DaysUnused: intp(d), Tags: tags,
		}
		pw := u
		pw.Type, pw.Reason, pw.LastUsed, pw.Tags = iamsweep.TypeUnusedIAMUserPassword, fmt.Sprintf("password last used %d days ago", d), iamsweep.Usage{Time: last}, nil
		out = append(out, u, pw)
		for slot := 1; slot <= 2; slot++ {
			k := u
			k.Type, k.KeySlot, k.AccessKeyID, k.Tags = iamsweep.TypeUnusedIAMUserAccessKey, slot, fmt.Sprintf("AKIA%016X", i*31+slot), nil
			k.Reason, k.LastUsed = fmt.Sprintf("access key %d last used %d days ago in us-east-1 (s3)", slot, d), iamsweep.Usage{Time: last, Region: "us-east-1"}
			out = append(out, k)
		}
	}
	return out[:n]
}

// dataBytes is the size of the pages of the database that hold data.
func dataBytes(t testing.TB, s *Store) int64 {
	t.Helper()
	var pages, free, size int64
	for q, v := range map[string]*int64{"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &size} {
		if err := s.db.QueryRowContext(t.Context(), q).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	return (pages - free) * size
}

// recordBytesBound is what a recorded finding may cost in the database,
// indexes and overhead included (the findings of benchFindings; it was
// about 460 bytes when each finding was a row).
const recordBytesBound = 64

// TestRecordScan_size is CI's gate on the cost of recording a scan: it is
// deterministic where the wall time (BenchmarkScanRecording in
// internal/cli) is not. A scan of 20,000 findings is written in
// ⌈20,000/chunkSize⌉ rows and grows the database by at most
// recordBytesBound bytes per finding.
func TestRecordScan_size(t *testing.T) {
	const n = 20000
	s, _ := openTest(t)
	fs := benchFindings(n)
	before := dataBytes(t, s)
	id, err := s.RecordScan(t.Context(), iamsweep.ScanResult{AsOf: t0, UnusedDays: 90, Findings: fs})
	if err != nil {
		t.Fatal(err)
	}
	perFinding := float64(dataBytes(t, s)-before) / n
	t.Logf("%.1f bytes per recorded finding (bound %d)", perFinding, recordBytesBound)
	if perFinding > recordBytesBound {
		t.Errorf("a recorded finding takes %.1f bytes, want at most %d", perFinding, recordBytesBound)
	}
	var rows int
	if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM finding_chunks WHERE scan_id = ?`, id).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if want := (n + chunkSize - 1) / chunkSize; rows != want {
		t.Errorf("%d findings take %d rows, want %d", n, rows, want)
	}
}

// BenchmarkRecordScan records a scan of 50,000 findings in a database that
// holds one already, reporting the bytes per finding and the allocations.
func BenchmarkRecordScan(b *testing.B) {
	const n = 50000
	fs := benchFindings(n)
	s, err := Open(b.Context(), b.TempDir()+"/state.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	res := iamsweep.ScanResult{AsOf: t0, UnusedDays: 90, Findings: fs}
	if _, err := s.RecordScan(b.Context(), res); err != nil {
		b.Fatal(err)
	}
	before := dataBytes(b, s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.RecordScan(b.Context(), res); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(dataBytes(b, s)-before)/float64(b.N)/n, "B/finding")
	b.ReportMetric(recordBytesBound, "B/finding-bound")
}

// BenchmarkLatestScan reads back a scan of 50,000 findings, as plan does.
func BenchmarkLatestScan(b *testing.B) {
	const n = 50000
	s, err := Open(b.Context(), b.TempDir()+"/state.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fs := benchFindings(n)
	iamsweep.SortFindings(fs) // as a scan gives them
	if _, err := s.RecordScan(b.Context(), iamsweep.ScanResult{AsOf: t0, UnusedDays: 90, Findings: fs}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, res, err := s.LatestScan(b.Context()); err != nil || len(res.Findings) != n {
			b.Fatalf("LatestScan: %d findings, %v", len(res.Findings), err)
		}
	}
}
