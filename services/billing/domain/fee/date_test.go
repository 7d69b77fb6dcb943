package fee

import (
	"math/rand/v2"
	"testing"
)

// TestDayOffset checks the engine's month table against plain day arithmetic, in and around the
// period and far from it.
func TestDayOffset(t *testing.T) {
	e, err := NewEngine(testSchedule(), policyTerm(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 9))
	for range 20000 {
		d := day(9, 2).AddDays(rng.IntN(2000) - 1000)
		if rng.IntN(2) == 0 {
			d = day(9, 2).AddDays(rng.IntN(160) - 60)
		}
		if got, want := e.dayOffset(d), d.Days()-day(9, 2).Days(); got != want {
			t.Fatalf("dayOffset(%s) = %d, want %d", d, got, want)
		}
	}
}
