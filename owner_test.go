package iamsweep

import (
	"testing"
	"time"
)

func TestException_Active(t *testing.T) {
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	until := created.AddDate(0, 0, 30)
	e := Exception{Created: created, Until: until}
	tests := []struct {
		name string
		e    Exception
		at   time.Time
		want bool
	}{
		{"at creation", e, created, true},
		{"before creation", e, created.Add(-time.Second), false},
		{"a second before the end", e, until.Add(-time.Second), true},
		{"at the end", e, until, false},
		{"after its revocation", Exception{Created: created, Until: until, Revoked: created.AddDate(0, 0, 1)}, created.AddDate(0, 0, 2), false},
		{"before its revocation", Exception{Created: created, Until: until, Revoked: created.AddDate(0, 0, 1)}, created.Add(time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.Active(tt.at); got != tt.want {
				t.Errorf("Active(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}
