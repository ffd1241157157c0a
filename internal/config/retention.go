package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// ParseDuration reads a retention age: whole days ("90d") or a Go
// duration ("720h", "36h30m"), more than zero. Numbers are decimal.
func ParseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	bad := fmt.Errorf("want a duration such as 90d or 720h, got %s", iamsweep.Quote(v))
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if days == "" || strings.Trim(days, "0123456789") != "" {
			return 0, bad
		}
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 1 || n > int64(maxDuration/(24*time.Hour)) {
			return 0, fmt.Errorf("want 1 to %d days, got %s", maxDuration/(24*time.Hour), iamsweep.Quote(v))
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, bad
	}
	if d <= 0 {
		return 0, fmt.Errorf("want a duration more than zero, got %s", iamsweep.Quote(v))
	}
	return d, nil
}

// maxDuration is the longest time.Duration.
const maxDuration = time.Duration(1<<63 - 1)

// ParseKeepScans reads a number of scans to keep: decimal, 1 or more.
func ParseKeepScans(v string) (int, error) {
	v = strings.TrimSpace(v)
	n, err := strconv.Atoi(v)
	if err != nil || strings.Trim(v, "0123456789") != "" {
		return 0, fmt.Errorf("want a whole number of scans, got %s", iamsweep.Quote(v))
	}
	if n < 1 {
		return 0, fmt.Errorf("want 1 or more scans (the latest scan is always kept), got %d", n)
	}
	return n, nil
}

// keepScansValue is a number of scans to keep (ParseKeepScans).
type keepScansValue struct{ p *int }

func keepScansVar(p *int) Value { return keepScansValue{p} }

func (v keepScansValue) Set(s string) (err error) {
	*v.p, err = ParseKeepScans(s)
	return err
}
func (v keepScansValue) String() string {
	if *v.p == 0 {
		return ""
	}
	return strconv.Itoa(*v.p)
}
func (v keepScansValue) Type() string { return "N" }

// ageValue is a retention age (ParseDuration).
type ageValue struct{ p *time.Duration }

func ageVar(p *time.Duration) Value { return ageValue{p} }

func (v ageValue) Set(s string) (err error) {
	*v.p, err = ParseDuration(s)
	return err
}
func (v ageValue) String() string {
	if *v.p == 0 {
		return ""
	}
	if *v.p%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", *v.p/(24*time.Hour))
	}
	return v.p.String()
}
func (v ageValue) Type() string { return "DURATION" }
