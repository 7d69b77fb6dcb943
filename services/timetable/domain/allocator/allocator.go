// Package allocator fills club seats from parents' ranked choices (志愿):
// each student ranks up to N clubs, and the allocator assigns at most one
// club per student within capacity and grade eligibility. Allocate is random
// serial dictatorship with a seeded priority order (deterministic, Pareto-
// efficient, strategy-proof: ranking honestly is always best for a parent);
// Optimum is the exact maximum-assignment, minimum-rank-cost allocation, for
// comparison; Withdraw moves the waitlist along when a seat frees up.
package allocator

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/kehou/kehou/services/platform/fault"
)

// ErrUnknownStudent is returned by Withdraw for a student not in the input.
var ErrUnknownStudent = errors.New("unknown student")

// ErrAlreadyWithdrawn is returned by Withdraw for a student who already left.
var ErrAlreadyWithdrawn = errors.New("student already withdrawn")

// ErrNoPriorityOrder is returned by Withdraw for an allocation without a
// priority order (one made by Optimum): the waitlist follows that order.
var ErrNoPriorityOrder = errors.New("allocation has no priority order")

// ErrMismatch is returned by Withdraw when the allocation was not made from
// the given input.
var ErrMismatch = errors.New("allocation does not match the input")

// Student is a student taking part in club choice, with the clubs the parent
// ranked, best first.
type Student struct {
	ID      string
	Grade   int
	Choices []string // club ids, best first; every one must admit the grade
}

// Club is a club with seats to fill.
type Club struct {
	ID       string
	Capacity int
	Grades   []int // eligible grades
}

// Input is one school's club choice round.
type Input struct {
	Students []Student
	Clubs    []Club
	// MaxChoices is N, the most clubs a parent may rank; 0 means no limit.
	MaxChoices int
}

// Assignment is one student's outcome.
type Assignment struct {
	StudentID string
	ClubID    string // "" when the student got no club
	Rank      int    // 1 for the first choice …; 0 when no club or placed by the second round
	Withdrawn bool   // the student left after allocation
	// SecondRound marks a seat school-assigned by the second round (调剂): a club the student did
	// not rank, given because every ranked one was full.
	SecondRound bool
}

// Stats counts outcomes by choice rank among students still taking part.
type Stats struct {
	Students int // not withdrawn
	First    int
	Second   int
	Third    int
	Lower    int // fourth choice or lower
	// SecondRound counts students placed by the second round in a club they did not rank.
	SecondRound int
	None        int // no club at all
	Withdrawn   int
	RankSum     int // sum of ranks of assigned students
}

// Share returns n as a share of Students (0 when there are none), for
// reports such as s.Share(s.First).
func (s Stats) Share(n int) float64 {
	if s.Students == 0 {
		return 0
	}
	return float64(n) / float64(s.Students)
}

// Assigned returns the number of students with a club.
func (s Stats) Assigned() int { return s.Students - s.None }

// Allocation is the outcome of a round.
type Allocation struct {
	Assignments []Assignment // in the order of Input.Students
	// Order is the priority order (student ids, highest first) that
	// Allocate drew and the waitlist keeps; nil for Optimum.
	Order []string
	Stats Stats
	// Mode is how AllocateMode made it; empty for Allocate and Optimum.
	Mode Mode
	// OptimumStats (AllocateMode only) are the exact optimum's outcome over the ranked choices on
	// the same input, reported beside Stats.
	OptimumStats Stats
}

// Move is one step of a waitlist chain: a student leaving From (or nothing)
// for To (or nothing, on withdrawal).
type Move struct {
	StudentID string
	From      string
	To        string
	Rank      int // rank of To in the student's choices; 0 when To is ""
}

// index is a validated input with positions resolved.
type index struct {
	in      Input
	club    map[string]int
	student map[string]int
	choices [][]int // per student, club indexes best first
}

func validate(in Input) (*index, error) {
	var v fault.ValidationError
	ix := &index{in: in, club: map[string]int{}, student: map[string]int{}}
	if in.MaxChoices < 0 {
		v.Addf("max_choices", "%d is negative", in.MaxChoices)
	}
	for i, c := range in.Clubs {
		f := "clubs[" + strconv.Itoa(i) + "]"
		if c.ID == "" {
			v.Addf(f+".id", "required")
		} else if j, dup := ix.club[c.ID]; dup {
			v.Addf(f+".id", "%q duplicates clubs[%d]", c.ID, j)
		} else {
			ix.club[c.ID] = i
		}
		if c.Capacity < 0 {
			v.Addf(f+".capacity", "%d is negative", c.Capacity)
		}
		if len(c.Grades) == 0 {
			v.Addf(f+".grades", "at least one eligible grade is required")
		}
		for k, g := range c.Grades {
			if g < 1 || g > 9 {
				v.Addf(f+".grades["+strconv.Itoa(k)+"]", "%d is not 1 to 9", g)
			}
		}
	}
	for i, s := range in.Students {
		f := "students[" + strconv.Itoa(i) + "]"
		if s.ID == "" {
			v.Addf(f+".id", "required")
		} else if j, dup := ix.student[s.ID]; dup {
			v.Addf(f+".id", "%q duplicates students[%d]", s.ID, j)
		} else {
			ix.student[s.ID] = i
		}
		if s.Grade < 1 || s.Grade > 9 {
			v.Addf(f+".grade", "%d is not 1 to 9", s.Grade)
		}
		if in.MaxChoices > 0 && len(s.Choices) > in.MaxChoices {
			v.Addf(f+".choices", "%d choices, at most %d allowed", len(s.Choices), in.MaxChoices)
		}
		var ch []int
		seen := map[string]bool{}
		for k, id := range s.Choices {
			ff := f + ".choices[" + strconv.Itoa(k) + "]"
			c, ok := ix.club[id]
			switch {
			case !ok:
				v.Addf(ff, "unknown club %q", id)
			case seen[id]:
				v.Addf(ff, "club %q ranked twice", id)
			case !slices.Contains(in.Clubs[c].Grades, s.Grade):
				v.Addf(ff, "club %q does not admit grade %d", id, s.Grade)
			default:
				ch = append(ch, c)
			}
			seen[id] = true
		}
		ix.choices = append(ix.choices, ch)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return ix, nil
}

// Allocate runs random serial dictatorship: students sorted by id are
// shuffled with the seed into a priority order, and each in turn takes the
// best-ranked club that still has a seat. The result never exceeds capacity
// or eligibility, is the same for the same input set and seed whatever the
// order of Input.Students, and is Pareto-efficient: no group of students can
// trade seats, or take a free one, so that none is worse off and one better.
// Invalid input gives a *fault.ValidationError.
func Allocate(in Input, seed uint64) (Allocation, error) {
	ix, err := validate(in)
	if err != nil {
		return Allocation{}, err
	}
	order := make([]int, len(in.Students))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(in.Students[a].ID, in.Students[b].ID) })
	rng := rand.New(rand.NewPCG(seed, seed^0x616c6c6f63617465))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	left := make([]int, len(in.Clubs))
	for c, club := range in.Clubs {
		left[c] = club.Capacity
	}
	a := Allocation{Assignments: make([]Assignment, len(in.Students)), Order: make([]string, len(order))}
	for i, s := range in.Students {
		a.Assignments[i] = Assignment{StudentID: s.ID}
	}
	for k, s := range order {
		a.Order[k] = in.Students[s].ID
		for r, c := range ix.choices[s] {
			if left[c] > 0 {
				left[c]--
				a.Assignments[s].ClubID, a.Assignments[s].Rank = in.Clubs[c].ID, r+1
				break
			}
		}
	}
	a.Stats = stats(a.Assignments)
	return a, nil
}

func stats(as []Assignment) Stats {
	var s Stats
	for _, a := range as {
		if a.Withdrawn {
			s.Withdrawn++
			continue
		}
		s.Students++
		s.RankSum += a.Rank
		switch {
		case a.SecondRound && a.ClubID != "":
			s.SecondRound++
			continue
		}
		switch a.Rank {
		case 0:
			s.None++
		case 1:
			s.First++
		case 2:
			s.Second++
		case 3:
			s.Third++
		default:
			s.Lower++
		}
	}
	return s
}

// Withdraw records that a student leaves the club round after allocation and
// fills the freed seat from the waitlist: the first student in the priority
// order who ranked that club above what they hold (or holds nothing) moves
// in, which frees their old seat for the next, until a seat has no taker. It
// returns the new allocation and the chain of moves, the withdrawal first.
// A chain keeps the allocation Pareto-efficient: every club a student prefers
// to their own stays full of students ahead of them in the order.
func Withdraw(in Input, a Allocation, studentID string) (Allocation, []Move, error) {
	ix, err := validate(in)
	if err != nil {
		return Allocation{}, nil, err
	}
	if a.Order == nil {
		return Allocation{}, nil, ErrNoPriorityOrder
	}
	if len(a.Assignments) != len(in.Students) || len(a.Order) != len(in.Students) {
		return Allocation{}, nil, ErrMismatch
	}
	held := make([]int, len(in.Clubs))
	for i, as := range a.Assignments {
		if as.StudentID != in.Students[i].ID {
			return Allocation{}, nil, ErrMismatch
		}
		if as.ClubID == "" {
			continue
		}
		c, ok := ix.club[as.ClubID]
		if !ok || slices.Index(ix.choices[i], c)+1 != as.Rank {
			return Allocation{}, nil, ErrMismatch
		}
		if held[c]++; held[c] > in.Clubs[c].Capacity {
			return Allocation{}, nil, ErrMismatch
		}
	}
	s, ok := ix.student[studentID]
	if !ok {
		return Allocation{}, nil, ErrUnknownStudent
	}
	if a.Assignments[s].Withdrawn {
		return Allocation{}, nil, ErrAlreadyWithdrawn
	}
	out := Allocation{Assignments: slices.Clone(a.Assignments), Order: slices.Clone(a.Order)}
	order := make([]int, len(out.Order))
	for k, id := range out.Order {
		i, ok := ix.student[id]
		if !ok {
			return Allocation{}, nil, ErrMismatch
		}
		order[k] = i
	}
	freed := out.Assignments[s].ClubID
	out.Assignments[s] = Assignment{StudentID: studentID, Withdrawn: true}
	var moves []Move
	if freed != "" {
		moves = append(moves, Move{StudentID: studentID, From: freed})
	}
	for freed != "" {
		c := ix.club[freed]
		taker, rank := -1, 0
		for _, i := range order {
			as := out.Assignments[i]
			if as.Withdrawn {
				continue
			}
			if r := slices.Index(ix.choices[i], c) + 1; r > 0 && (as.Rank == 0 || r < as.Rank) {
				taker, rank = i, r
				break
			}
		}
		if taker < 0 {
			break
		}
		from := out.Assignments[taker].ClubID
		out.Assignments[taker].ClubID, out.Assignments[taker].Rank = freed, rank
		moves = append(moves, Move{StudentID: out.Assignments[taker].StudentID, From: from, To: freed, Rank: rank})
		freed = from
	}
	out.Stats = stats(out.Assignments)
	return out, moves, nil
}
