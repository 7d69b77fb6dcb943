package allocator

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Generate returns a synthetic club round for benchmarks and load tests: a
// primary school (grades 1–6) of students, clubs each open to two to four
// adjacent grades with seats for about the whole school, and parents ranking
// choices eligible clubs (fewer when fewer are open to the grade) drawn by
// popularity, which is skewed (a few clubs are wanted by many) so that not
// everyone can have a first choice. The same arguments give the same round.
func Generate(seed uint64, students, clubs, choices int) Input {
	rng := rand.New(rand.NewPCG(seed, 0x63686f6963657321))
	in := Input{MaxChoices: choices}
	weight := make([]float64, clubs)
	var total float64
	for i, k := range rng.Perm(clubs) {
		weight[i] = 1 / math.Pow(float64(k+1), 0.8)
		total += weight[i]
	}
	for i := range clubs {
		lo := 1 + rng.IntN(6)
		span := 2 + rng.IntN(3)
		if lo+span-1 > 6 {
			lo = 7 - span
		}
		c := Club{ID: fmt.Sprintf("club-%03d", i+1)}
		for g := lo; g < lo+span; g++ {
			c.Grades = append(c.Grades, g)
		}
		// Seats: half spread evenly, half following popularity.
		share := 0.5/float64(clubs) + 0.5*weight[i]/total
		c.Capacity = max(5, int(math.Round(share*float64(students))))
		in.Clubs = append(in.Clubs, c)
	}
	byGrade := map[int][]int{}
	for i, c := range in.Clubs {
		for _, g := range c.Grades {
			byGrade[g] = append(byGrade[g], i)
		}
	}
	for s := range students {
		st := Student{ID: fmt.Sprintf("stu-%05d", s+1), Grade: 1 + rng.IntN(6)}
		pool := append([]int(nil), byGrade[st.Grade]...)
		for len(st.Choices) < choices && len(pool) > 0 {
			var sum float64
			for _, c := range pool {
				sum += weight[c]
			}
			x := rng.Float64() * sum
			k := 0
			for ; k < len(pool)-1; k++ {
				if x -= weight[pool[k]]; x < 0 {
					break
				}
			}
			st.Choices = append(st.Choices, in.Clubs[pool[k]].ID)
			pool = append(pool[:k], pool[k+1:]...)
		}
		in.Students = append(in.Students, st)
	}
	return in
}
