package authexport

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
)

// BenchmarkReadRoles50k reads a generated 50,000-role export from a file and
// reports throughput, CPU time per read and peak heap against their targets
// (1 s of CPU, reported only: CPU time on a shared machine informs, it does
// not gate; peak heap under 3x the file size, enforced).
func BenchmarkReadRoles50k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "export.json")
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := writeExport(out, 50000); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	size := st.Size()
	b.SetBytes(size)
	b.ResetTimer()
	var cpu time.Duration
	var peak uint64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		before := heapInUse()
		stopSampling := samplePeakHeap(&peak)
		c0 := cpuTime()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		_, err = ReadRoles(b.Context(), f, path, func(iamsweep.Role) error { n++; return nil })
		f.Close()
		cpu += cpuTime() - c0
		stopSampling()
		if err != nil || n != 50000 {
			b.Fatalf("read %d roles, err %v", n, err)
		}
		_ = before
	}
	cpuPerOp := cpu / time.Duration(b.N)
	b.ReportMetric(float64(size)/1e6, "file-MB")
	b.ReportMetric(cpuPerOp.Seconds(), "cpu-s/op")
	b.ReportMetric(1.0, "cpu-bound-s")
	b.ReportMetric(float64(peak)/float64(size), "peak-heap/file")
	b.ReportMetric(3.0, "peak-heap-bound")
	b.Logf("cpu %v peak %d size %d", cpuPerOp, peak, size)
	if float64(peak) > 3*float64(size) {
		b.Errorf("peak heap %d bytes, over 3x the %d-byte file", peak, size)
	}
}

func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// samplePeakHeap polls the live heap until the returned stop function is
// called and keeps the largest value seen in *peak.
func samplePeakHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if h := heapInUse(); h > *peak {
				*peak = h
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
