package probe

import (
	"testing"
	"time"
)

func TestBehind(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	marks := []rotationMark{{"v2", t0.Add(10 * time.Second)}, {"v3", t0.Add(20 * time.Second)}}
	tests := []struct {
		name      string
		version   string
		fetchedAt time.Time
		want      int
	}{
		{"fresh after the last rotation", "v3", t0.Add(21 * time.Second), 0},
		{"holds the last rotation's version, read before the mark arrived", "v3", t0.Add(19 * time.Second), 0},
		{"one rotation behind: stale, still logs in with alternating users", "v2", t0.Add(11 * time.Second), 1},
		{"two rotations behind: its user's password changed", "v1", t0.Add(time.Second), 2},
		{"read after the mark, whatever it holds", "v9", t0.Add(30 * time.Second), 0},
		{"no secret yet", "", time.Time{}, 0},
	}
	for _, tt := range tests {
		if got := behind(marks, tt.version, tt.fetchedAt); got != tt.want {
			t.Errorf("%s: behind = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestPercentilesOf(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(101-i)*time.Millisecond) // unsorted on purpose
	}
	p := PercentilesOf(ds)
	if p.P50 != 50 || p.P99 != 99 {
		t.Fatalf("got %+v, want p50 50 p99 99", p)
	}
	if (PercentilesOf(nil) != Percentiles{}) {
		t.Fatal("empty input must give zeros")
	}
	one := PercentilesOf([]time.Duration{3 * time.Millisecond})
	if one.P50 != 3 || one.P99 != 3 {
		t.Fatalf("one sample: %+v", one)
	}
}
