package allocator

import (
	"slices"

	"github.com/kehou/kehou/services/platform/fault"
)

// Mode is how AllocateMode fills club seats. Schools differ: some draw a lottery and stop, most then
// place the children still without a club, and some want the most children placed first of all.
type Mode string

// The allocation modes.
const (
	// Lottery is random serial dictatorship over the ranked choices only (Allocate): fair by a
	// seeded draw, but on popular rounds it leaves children without a club beside empty seats.
	Lottery Mode = "lottery"
	// LotteryFill is the lottery followed by a second round (调剂): every student still without a
	// club, in the lottery's priority order, is school-assigned to the eligible club with the most
	// free seats (ties by club order), so nobody is left out while an eligible club has a seat.
	LotteryFill Mode = "lottery_fill"
	// MostPlaced places the most students by their ranked choices, then the least rank sum (Optimum,
	// min-cost max-flow), and then runs the same second round for whoever is still unplaced. The
	// lottery's priority order is kept for the waitlist.
	MostPlaced Mode = "most_placed"
)

// ParseMode returns the mode named s; the empty string is Lottery, the behaviour before modes
// existed. An unknown name is a *fault.ValidationError naming field.
func ParseMode(s, field string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return Lottery, nil
	case Lottery, LotteryFill, MostPlaced:
		return m, nil
	}
	var v fault.ValidationError
	v.Addf(field, "unknown mode %q (want lottery, lottery_fill or most_placed)", s)
	return "", v.Err()
}

// AllocateMode fills seats by mode with seed and reports, beside the result's own Stats, the exact
// optimum's (Optimum over the ranked choices) in OptimumStats, so a school sees how far its mode is
// from the most that ranked choices alone allow. Capacity and eligibility always hold; students
// placed by the second round have Rank 0 and SecondRound set.
func AllocateMode(in Input, seed uint64, mode Mode) (Allocation, error) {
	if _, err := ParseMode(string(mode), "mode"); err != nil {
		return Allocation{}, err
	}
	if mode == "" {
		mode = Lottery
	}
	lot, err := Allocate(in, seed)
	if err != nil {
		return Allocation{}, err
	}
	opt, err := Optimum(in)
	if err != nil {
		return Allocation{}, err
	}
	a := lot
	if mode == MostPlaced {
		a.Assignments = opt.Assignments // same order as Input.Students; keep the lottery's Order
	}
	if mode != Lottery {
		ix, _ := validate(in) // validated by Allocate above
		secondRound(in, ix, &a)
	}
	a.Mode = mode
	a.Stats = stats(a.Assignments)
	a.OptimumStats = opt.Stats
	return a, nil
}

// secondRound places every student without a club, in a's priority order, by the shortest chain
// of moves that frees a seat in a club admitting their grade: the student takes an eligible club
// (one they ranked if a chain reaches it, else one the school assigns), and each student moved to
// make room goes to another club they ranked (or, if the second round placed them, another
// eligible club), never out of a club. A student with no such chain stays unplaced; by the
// augmenting-path theorem the round then places the most students those moves allow, at least
// as many as the exact optimum over ranked choices alone. Ties go to the earlier club of
// Input.Clubs and the earlier student of Input.Students, so the result is deterministic.
func secondRound(in Input, ix *index, a *Allocation) {
	nc := len(in.Clubs)
	club := make(map[string]int, nc)
	left := make([]int, nc)
	for c, cl := range in.Clubs {
		club[cl.ID] = c
		left[c] = cl.Capacity
	}
	student := make(map[string]int, len(in.Students))
	for i, s := range in.Students {
		student[s.ID] = i
	}
	holders := make([][]int, nc) // students holding each club, in Input order
	for i, as := range a.Assignments {
		if as.ClubID != "" {
			c := club[as.ClubID]
			left[c]--
			holders[c] = append(holders[c], i)
		}
	}
	byGrade := map[int][]int{}
	for c, cl := range in.Clubs {
		for _, g := range cl.Grades {
			byGrade[g] = append(byGrade[g], c)
		}
	}
	// arcs returns the clubs student i may be placed in or moved to, best first: their ranked
	// clubs, then (for a student the second round places or placed) the other eligible clubs.
	arcs := func(i int, unranked bool) []int {
		out := slices.Clone(ix.choices[i])
		if unranked {
			for _, c := range byGrade[in.Students[i].Grade] {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
		return out
	}
	// BFS state per club: reached from (mover student, previous club; -1 for the start).
	mover := make([]int, nc)
	prev := make([]int, nc)
	seen := make([]bool, nc)
	queue := make([]int, 0, nc)
	for _, id := range a.Order {
		u := student[id]
		if as := a.Assignments[u]; as.ClubID != "" || as.Withdrawn {
			continue
		}
		clear(seen)
		queue = queue[:0]
		target := -1
		for _, c := range arcs(u, true) {
			if !seen[c] {
				seen[c], mover[c], prev[c] = true, u, -1
				queue = append(queue, c)
			}
		}
		for k := 0; k < len(queue) && target < 0; k++ {
			c := queue[k]
			if left[c] > 0 {
				target = c
				break
			}
			for _, t := range holders[c] {
				for _, d := range arcs(t, a.Assignments[t].SecondRound) {
					if !seen[d] {
						seen[d], mover[d], prev[d] = true, t, c
						queue = append(queue, d)
					}
				}
			}
		}
		if target < 0 {
			continue
		}
		// Apply the chain backwards: the mover into d leaves prev[d], and so on up to u.
		left[target]--
		for d := target; d >= 0; {
			t, from := mover[d], prev[d]
			if from >= 0 {
				holders[from] = slices.DeleteFunc(holders[from], func(x int) bool { return x == t })
			}
			holders[d] = append(holders[d], t)
			as := &a.Assignments[t]
			as.ClubID = in.Clubs[d].ID
			if r := slices.Index(ix.choices[t], d); r >= 0 {
				as.Rank, as.SecondRound = r+1, false
			} else {
				as.Rank, as.SecondRound = 0, true
			}
			d = from
		}
	}
}
