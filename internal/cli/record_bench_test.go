//go:build unix

package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// recordBound is the target: recording a scan in the state database adds
// at most 15 % to an offline scan of 50,000 roles.
const recordBound = 1.15

// BenchmarkScanRecording scans an export of 50,000 roles offline through
// the CLI, as JSON, with --no-state and with recording (the default),
// alternately, so that both see the same load of a shared machine. It
// reports the median wall time of each, the ratio of the medians against
// recordBound (the smallest and largest ratio of a pair beside it, for
// the spread), the same ratio of the CPU time the process used (steadier
// on a machine others load), and the bytes the state database grows by
// per recorded finding. Wall and CPU time inform and do not gate: CI gates
// on the deterministic figures of internal/store (TestRecordScan_size).
func BenchmarkScanRecording(b *testing.B) {
	const roles = 50000
	dir := b.TempDir()
	export := filepath.Join(dir, "export.json")
	if err := writeBenchExport(export, roles); err != nil {
		b.Fatal(err)
	}
	state := filepath.Join(dir, "state.db")
	base := []string{"scan", "--from-file", export, "--as-of", asOf, "-o", "json"}
	var cpu time.Duration // of the last scan
	scan := func(extra ...string) time.Duration {
		ios := IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Getenv: func(string) string { return "" }}
		cpu0 := cpuTime(b)
		start := time.Now()
		if code := Main(context.Background(), append(slices.Clone(base), extra...), ios); code != ExitUnused {
			b.Fatalf("scan %v: exit %d, want %d", extra, code, ExitUnused)
		}
		wall := time.Since(start)
		cpu = cpuTime(b) - cpu0
		return wall
	}

	// The growth of the database per finding, on a database that holds
	// one scan (the first scan also creates its tables).
	scan("--state", state)
	before := dbSize(b, state)
	scan("--state", state)
	perFinding := float64(dbSize(b, state)-before) / roles

	var plain, recorded, plainCPU, recordedCPU []time.Duration
	var ratios []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := scan("--no-state")
		plainCPU = append(plainCPU, cpu)
		r := scan("--state", state)
		recordedCPU = append(recordedCPU, cpu)
		plain, recorded = append(plain, p), append(recorded, r)
		ratios = append(ratios, float64(r)/float64(p))
	}
	b.StopTimer()
	median := func(ds []time.Duration) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[len(s)/2]
	}
	mp, mr := median(plain), median(recorded)
	ratio := float64(mr) / float64(mp)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(mp.Milliseconds()), "ms/scan-no-state")
	b.ReportMetric(float64(mr.Milliseconds()), "ms/scan-recorded")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
	b.ReportMetric(slices.Max(ratios), "ratio-max")
	b.ReportMetric(recordBound, "ratio-bound")
	b.ReportMetric(float64(median(recordedCPU))/float64(median(plainCPU)), "cpu-ratio")
	b.ReportMetric(perFinding, "B/finding")
	if ratio > recordBound {
		b.Logf("recording added %.0f %% (bound %.0f %%); wall time on a shared machine informs, it does not gate",
			100*(ratio-1), 100*(recordBound-1))
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dbSize is the size of the state database and its write-ahead log.
func dbSize(b *testing.B, path string) int64 {
	b.Helper()
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err == nil {
			n += fi.Size()
		} else if !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	return n
}

// writeBenchExport writes an export of n roles in one account, in the
// shape of 'aws iam get-account-authorization-details': each role with a
// trust policy, an inline and two managed policies, two tags and its last
// use (all long ago, so every role is unused).
func writeBenchExport(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprint(w, `{"UserDetailList": [], "GroupDetailList": [], "Policies": [], "RoleDetailList": [`)
	for i := range n {
		name := fmt.Sprintf("app-%05d-role", i)
		doc := func(stmt string) json.RawMessage {
			return json.RawMessage(`{"Version": "2012-10-17", "Statement": [` + stmt + `]}`)
		}
		role := map[string]any{
			"Path": "/app/", "RoleName": name, "RoleId": fmt.Sprintf("AROA%017d", i),
			"Arn":                      "arn:aws:iam::123456789012:role/app/" + name,
			"CreateDate":               base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"AssumeRolePolicyDocument": doc(`{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}`),
			"InstanceProfileList":      []any{},
			"RolePolicyList": []any{map[string]any{"PolicyName": "inline-" + name,
				"PolicyDocument": doc(`{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::bucket-` + name + `/*"}`)}},
			"AttachedManagedPolicies": []any{
				map[string]any{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
				map[string]any{"PolicyName": "team-policy", "PolicyArn": "arn:aws:iam::123456789012:policy/team-policy"},
			},
			"Tags": []any{map[string]any{"Key": "owner", "Value": fmt.Sprintf("team-%d@example.com", i%50)},
				map[string]any{"Key": "env", "Value": "prod"}},
			"RoleLastUsed": map[string]any{"LastUsedDate": base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339), "Region": "eu-west-1"},
		}
		data, err := json.MarshalIndent(role, "    ", "  ")
		if err != nil {
			f.Close()
			return err
		}
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n    ")
		w.Write(data)
	}
	fmt.Fprint(w, "\n]}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
