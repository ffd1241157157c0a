package notify

import (
	"fmt"
	"testing"

	"github.com/iamsweep/iamsweep"
)

// benchNotice is a notice of n items.
func benchNotice(n int) iamsweep.Notice {
	no := ownerNotice()
	no.Items = nil
	for i := range n {
		no.Items = append(no.Items, iamsweep.NoticeItem{Finding: idleRole(fmt.Sprintf("role-%04d", i), 200), Stage: iamsweep.StageNotice,
			Next: iamsweep.ActionQuarantine, NextAt: quarantineAt, Links: links(i)})
	}
	return no
}

// BenchmarkRender renders a notice of 100 items for each channel; it
// reports the bytes of the mail's two parts.
func BenchmarkRender(b *testing.B) {
	n := benchNotice(100)
	b.Run("email", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			m, err := RenderEmail(n)
			if err != nil {
				b.Fatal(err)
			}
			size = len(m.Text) + len(m.HTML)
		}
		b.ReportMetric(float64(size), "mail-bytes")
	})
	b.Run("sns", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := RenderSNS(n); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("slack", func(b *testing.B) {
		b.ReportAllocs()
		var msgs int
		for b.Loop() {
			msgs = len(RenderSlack(n))
		}
		b.ReportMetric(float64(msgs), "messages")
	})
}
