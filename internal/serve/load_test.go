package serve

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
)

// The decision endpoint under concurrent confirmations on 127.0.0.1: of
// the posts of one link, exactly one acts, whatever the interleaving, and
// no decision is lost across links. Bounded: 24 links, 8 posts each, and
// a deadline.
func TestDecision_concurrentPosts(t *testing.T) {
	const (
		nLinks = 24
		perTok = 8
	)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	type confirmed struct {
		client *http.Client
		link   string
		form   url.Values
	}
	var all []confirmed
	for i := range nLinks {
		f := findings[i%2]
		l := e.links(f)
		link, form := l.Remove, url.Values{}
		switch i % 3 {
		case 1:
			link, form = l.Keep, url.Values{"reason": {"load test"}, "until": {"2027-01-01"}}
		case 2:
			link, form = l.Snooze, url.Values{"days": {"7"}}
		}
		c := e.browser()
		form.Set("csrf", csrf(t, e.do(c, "GET", link, nil).body))
		all = append(all, confirmed{c, link, form})
	}

	var (
		mu       sync.Mutex
		ok       = map[string]int{}
		statuses = map[int]int{}
		wg       sync.WaitGroup
		begin    = make(chan struct{})
	)
	for _, cf := range all {
		for range perTok {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				req, _ := http.NewRequestWithContext(ctx, "POST", cf.link, strings.NewReader(cf.form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := cf.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				defer mu.Unlock()
				statuses[res.StatusCode]++
				if res.StatusCode == http.StatusOK {
					ok[cf.link]++
				}
			}()
		}
	}
	close(begin)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("the load test ran out of time")
	}
	for _, cf := range all {
		if ok[cf.link] != 1 {
			t.Errorf("%s acted %d times, want once", linkPath(cf.link)[:12], ok[cf.link])
		}
	}
	if statuses[http.StatusOK] != nLinks || statuses[http.StatusConflict] != nLinks*(perTok-1) {
		t.Errorf("statuses %v, want %d × 200 and %d × 409", statuses, nLinks, nLinks*(perTok-1))
	}
	ds := e.decisions()
	if len(ds) != nLinks {
		t.Errorf("%d decisions recorded, want %d", len(ds), nLinks)
	}
	kinds := map[iamsweep.DecisionKind]int{}
	for _, d := range ds {
		kinds[d.Kind]++
	}
	if kinds[iamsweep.DecisionRemove] != nLinks/3 || kinds[iamsweep.DecisionKeep] != nLinks/3 || kinds[iamsweep.DecisionSnooze] != nLinks/3 {
		t.Errorf("decisions by kind %v", kinds)
	}
}
