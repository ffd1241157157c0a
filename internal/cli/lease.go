package cli

import (
	"os"
	"strconv"
	"strings"
)

// ownerGone reports whether the lease owner (as leaseOwner names it:
// host:pid:random) is a process of this host that no longer runs. Owners
// on other hosts are never judged gone: their leases expire instead.
func ownerGone(owner string) bool {
	parts := strings.Split(owner, ":")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[1])
	if err != nil || parts[0] != host || pid == os.Getpid() || pid <= 0 {
		return false
	}
	return !processAlive(pid)
}
