package serve

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The sign-in limits: about ten attempts a minute from one client, so the
// dashboard token cannot be guessed at the speed of the network, and a
// much higher ceiling for all clients together, so that many addresses
// cannot either; one client over its limit does not lock out the others.
const (
	clientSigninEvery = 6 * time.Second
	clientSigninBurst = 10
	globalSigninEvery = 200 * time.Millisecond // 300 a minute
	globalSigninBurst = 100
	// maxSigninClients bounds the clients remembered at once. A client
	// not seen for clientSigninForget has its whole burst back, and is
	// forgotten when room is needed.
	maxSigninClients   = 10000
	clientSigninForget = clientSigninEvery * clientSigninBurst
)

// signinLimiter bounds sign-in attempts per client and in all.
type signinLimiter struct {
	mu      sync.Mutex
	clients map[string]*clientLimit
	global  *rate.Limiter
}

type clientLimit struct {
	lim  *rate.Limiter
	seen time.Time
}

func newSigninLimiter() *signinLimiter {
	return &signinLimiter{clients: map[string]*clientLimit{}, global: rate.NewLimiter(rate.Every(globalSigninEvery), globalSigninBurst)}
}

// allow reports whether client may try a sign-in at now, and if not,
// whether the global ceiling (not the client's own limit) refused it. A
// refused attempt counts against neither limit's future.
func (l *signinLimiter) allow(client string, now time.Time) (ok, global bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[client]
	if c == nil {
		if len(l.clients) >= maxSigninClients {
			l.forget(now)
		}
		if len(l.clients) >= maxSigninClients {
			return false, true
		}
		c = &clientLimit{lim: rate.NewLimiter(rate.Every(clientSigninEvery), clientSigninBurst)}
		l.clients[client] = c
	}
	c.seen = now
	// The client's own limit first, so that one client over it spends
	// none of the others' ceiling.
	r := c.lim.ReserveN(now, 1)
	if !r.OK() || r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return false, false
	}
	if !l.global.AllowN(now, 1) {
		r.CancelAt(now)
		return false, true
	}
	return true, false
}

// forget drops the clients not seen for clientSigninForget: their limit
// is full again, as a new client's.
func (l *signinLimiter) forget(now time.Time) {
	for k, c := range l.clients {
		if now.Sub(c.seen) >= clientSigninForget {
			delete(l.clients, k)
		}
	}
}

// signinClient names the client of a request for the sign-in limit: its
// peer's address, or, when the peer is one of the trusted proxies, the
// address the proxies' X-Forwarded-For names: the rightmost entry that is
// not itself a trusted proxy (entries to its left are what the client
// said, and anyone can say anything). An IPv6 client is its /64, which
// one host usually holds whole.
func signinClient(r *http.Request, proxies []netip.Prefix) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	client := ap.Addr().Unmap()
	if trusted(client, proxies) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, ok := parseHop(hops[i])
			if !ok {
				break
			}
			client = a
			if !trusted(a, proxies) {
				break
			}
		}
	}
	if client.Is6() {
		p, _ := client.Prefix(64)
		return p.String()
	}
	return client.String()
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, perhaps with a
// port ("203.0.113.7:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
