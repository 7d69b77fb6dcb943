package planner

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
)

// Plan builds the weekly plan: basic care for every class, the locked
// placements as they are, then every club meeting on distinct weekdays in
// club segments, in a free room of the club's kind that holds it, never two
// clubs of one group at once.
//
// The search is most-constrained-first greedy placement (the club with the
// fewest free options per missing meeting goes next; rooms best-fit, weekdays
// spread out, seeded tie-breaks) followed by a bounded repair: an ejection
// search that places a missing meeting in the option displacing the fewest
// unlocked meetings and re-queues those, with a tabu list against cycling.
// The best state seen is kept, so when no clash-free complete plan exists (or
// none is found within the budget) the answer is the best partial plan plus
// the clubs left short and why. Invalid input gives a *fault.ValidationError.
func Plan(in Input, opts Options) (WeeklyPlan, error) {
	if err := validateInput(in); err != nil {
		return WeeklyPlan{}, err
	}
	if opts.MaxIterations <= 0 {
		opts.MaxIterations = DefaultMaxIterations
	}
	if opts.StallIterations <= 0 {
		opts.StallIterations = DefaultStallIterations
	}
	p := newProblem(in)
	s := newSearch(p, opts)
	s.greedy()
	s.repair()
	return s.result(), nil
}

// problem is the input indexed for the search.
type problem struct {
	in        Input
	days      []calendar.Weekday // weekdays with at least one club segment
	slots     []slot             // club (weekday, segment) pairs, by weekday then segment
	rooms     []Room             // input order
	roomIdx   map[string]int
	clubs     []Club
	clubIdx   map[string]int
	groups    int   // number of distinct non-empty groups
	clubGroup []int // group index or -1
	cand      [][]int
	demand    []int // clubs listing the room as a candidate
	static    []Reason
	need      []int // meetings to place per club (capped at len(days))
}

type slot struct {
	day     int // index into problem.days
	weekday calendar.Weekday
	segment int
}

func newProblem(in Input) *problem {
	p := &problem{in: in, roomIdx: map[string]int{}, clubIdx: map[string]int{}}
	for _, w := range in.weekdays() {
		added := false
		for _, s := range sortedSegments(in.Segments) {
			if s.Kind != SegmentClub || !s.on(w) {
				continue
			}
			if !added {
				p.days = append(p.days, w)
				added = true
			}
			p.slots = append(p.slots, slot{day: len(p.days) - 1, weekday: w, segment: s.Index})
		}
	}
	p.rooms = in.Rooms
	for i, r := range in.Rooms {
		p.roomIdx[r.ID] = i
	}
	p.clubs = in.Clubs
	groupIdx := map[string]int{}
	p.demand = make([]int, len(in.Rooms))
	for i, c := range in.Clubs {
		p.clubIdx[c.ID] = i
		g := -1
		if c.Group != "" {
			var ok bool
			if g, ok = groupIdx[c.Group]; !ok {
				g = len(groupIdx)
				groupIdx[c.Group] = g
			}
		}
		p.clubGroup = append(p.clubGroup, g)
		var cand []int
		kindExists := false
		for ri, r := range in.Rooms {
			if r.Kind != c.RoomKind {
				continue
			}
			kindExists = true
			if r.Capacity >= c.Capacity {
				cand = append(cand, ri)
				p.demand[ri]++
			}
		}
		slices.SortStableFunc(cand, func(a, b int) int { return cmp.Compare(in.Rooms[a].Capacity, in.Rooms[b].Capacity) })
		p.cand = append(p.cand, cand)
		need := c.MeetingsPerWeek
		reason := ReasonUnspecified
		switch {
		case !kindExists:
			reason, need = ReasonNoRoomKind, 0
		case len(cand) == 0:
			reason, need = ReasonNoRoomBigEnough, 0
		case need > len(p.days):
			reason, need = ReasonTooFewWeekdays, len(p.days)
		}
		p.static = append(p.static, reason)
		p.need = append(p.need, need)
	}
	p.groups = len(groupIdx)
	return p
}

func sortedSegments(segs []Segment) []Segment {
	out := slices.Clone(segs)
	slices.SortFunc(out, func(a, b Segment) int { return cmp.Compare(a.Index, b.Index) })
	return out
}

// meeting is one club meeting; slot −1 means not placed.
type meeting struct {
	club   int
	slot   int
	room   int
	locked bool
}

type tabuKey struct{ m, slot, room int }

// option is a (slot, room) for a meeting and the meetings it would displace
// from the room (a) and from the group's slot (b), −1 when none.
type option struct{ sl, r, a, b int }

type search struct {
	p    *problem
	opts Options
	rng  *rand.Rand

	mtg     []meeting
	roomAt  []int // slot*len(rooms)+room → meeting or −1
	groupAt []int // slot*groups+group → meeting or −1
	clubDay []int // club*len(days)+day → meeting or −1
	queue   []int // unplaced meetings still worth trying

	best       []meeting
	bestMissed int
	iterations int
}

func newSearch(p *problem, opts Options) *search {
	s := &search{p: p, opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x6b65686f75706c6e))}
	s.roomAt = fill(len(p.slots)*len(p.rooms), -1)
	s.groupAt = fill(len(p.slots)*p.groups, -1)
	s.clubDay = fill(len(p.clubs)*len(p.days), -1)
	slotIdx := map[[2]int]int{}
	for i, sl := range p.slots {
		slotIdx[[2]int{int(sl.weekday), sl.segment}] = i
	}
	locked := make([]int, len(p.clubs))
	for _, l := range p.in.Locked {
		c := p.clubIdx[l.ClubID]
		m := len(s.mtg)
		s.mtg = append(s.mtg, meeting{club: c, slot: -1, room: -1, locked: true})
		s.place(m, slotIdx[[2]int{int(l.Weekday), l.Segment}], p.roomIdx[l.RoomID])
		locked[c]++
	}
	for c := range p.clubs {
		for k := locked[c]; k < p.need[c]; k++ {
			s.mtg = append(s.mtg, meeting{club: c, slot: -1, room: -1})
		}
	}
	return s
}

func fill(n, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func (s *search) place(m, sl, r int) {
	mt := &s.mtg[m]
	mt.slot, mt.room = sl, r
	s.roomAt[sl*len(s.p.rooms)+r] = m
	if g := s.p.clubGroup[mt.club]; g >= 0 {
		s.groupAt[sl*s.p.groups+g] = m
	}
	s.clubDay[mt.club*len(s.p.days)+s.p.slots[sl].day] = m
}

func (s *search) remove(m int) {
	mt := &s.mtg[m]
	sl := mt.slot
	s.roomAt[sl*len(s.p.rooms)+mt.room] = -1
	if g := s.p.clubGroup[mt.club]; g >= 0 {
		s.groupAt[sl*s.p.groups+g] = -1
	}
	s.clubDay[mt.club*len(s.p.days)+s.p.slots[sl].day] = -1
	mt.slot, mt.room = -1, -1
}

// free reports whether club c can take room r in slot sl without displacing
// anything.
func (s *search) free(c, sl, r int) bool {
	if s.roomAt[sl*len(s.p.rooms)+r] >= 0 || s.clubDay[c*len(s.p.days)+s.p.slots[sl].day] >= 0 {
		return false
	}
	g := s.p.clubGroup[c]
	return g < 0 || s.groupAt[sl*s.p.groups+g] < 0
}

func (s *search) freeOptions(c int) int {
	n := 0
	for sl := range s.p.slots {
		for _, r := range s.p.cand[c] {
			if s.free(c, sl, r) {
				n++
			}
		}
	}
	return n
}

// spread is the smallest distance in days from day to the club's other
// meetings; larger spreads a club's meetings over the week.
func (s *search) spread(c, day int) int {
	best := len(s.p.days)
	for d := range s.p.days {
		if s.clubDay[c*len(s.p.days)+d] >= 0 {
			best = min(best, abs(d-day))
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// greedy places meetings most-constrained club first.
func (s *search) greedy() {
	missing := make([]int, len(s.p.clubs))
	todo := make([][]int, len(s.p.clubs)) // unplaced meetings per club
	for m, mt := range s.mtg {
		if mt.slot < 0 {
			missing[mt.club]++
			todo[mt.club] = append(todo[mt.club], m)
		}
	}
	key := make([]uint64, len(s.p.clubs))
	for c := range key {
		key[c] = s.rng.Uint64()
	}
	stuck := make([]bool, len(s.p.clubs))
	for {
		pick, pickFree := -1, 0
		for c := range s.p.clubs {
			if missing[c] == 0 || stuck[c] {
				continue
			}
			f := s.freeOptions(c)
			if pick < 0 {
				pick, pickFree = c, f
				continue
			}
			// fewer free options per missing meeting first, then more
			// meetings, then the seeded key
			if d := cmp.Or(cmp.Compare(f*missing[pick], pickFree*missing[c]), cmp.Compare(missing[pick], missing[c]), cmp.Compare(key[c], key[pick])); d < 0 {
				pick, pickFree = c, f
			}
		}
		if pick < 0 {
			break
		}
		m := todo[pick][len(todo[pick])-missing[pick]]
		bestSl, bestR, ties := -1, -1, 0
		var bestScore [3]int
		for sl := range s.p.slots {
			for _, r := range s.p.cand[pick] {
				if !s.free(pick, sl, r) {
					continue
				}
				score := [3]int{-s.spread(pick, s.p.slots[sl].day), s.p.rooms[r].Capacity, s.p.demand[r]}
				switch c := slices.Compare(score[:], bestScore[:]); {
				case bestSl < 0 || c < 0:
					bestSl, bestR, bestScore, ties = sl, r, score, 1
				case c == 0:
					ties++
					if s.rng.IntN(ties) == 0 {
						bestSl, bestR = sl, r
					}
				}
			}
		}
		if bestSl < 0 {
			stuck[pick] = true
			continue
		}
		s.place(m, bestSl, bestR)
		missing[pick]--
	}
	for m, mt := range s.mtg {
		if mt.slot < 0 {
			s.queue = append(s.queue, m)
		}
	}
}

// repair runs the bounded ejection search on the queued meetings.
func (s *search) repair() {
	s.snapshot()
	if len(s.queue) == 0 {
		return
	}
	tabu := map[tabuKey]int{}
	lastGain := 0
	var opts []option
	for it := 1; it <= s.opts.MaxIterations && len(s.queue) > 0 && it-lastGain <= s.opts.StallIterations; it++ {
		s.iterations = it
		m := s.queue[0]
		s.queue = s.queue[1:]
		c := s.mtg[m].club
		g := s.p.clubGroup[c]
		bestCost := 3
		opts = opts[:0]
		var fallback []option
		for sl := range s.p.slots {
			if s.clubDay[c*len(s.p.days)+s.p.slots[sl].day] >= 0 {
				continue
			}
			b := -1
			if g >= 0 {
				b = s.groupAt[sl*s.p.groups+g]
				if b >= 0 && s.mtg[b].locked {
					continue
				}
			}
			for _, r := range s.p.cand[c] {
				a := s.roomAt[sl*len(s.p.rooms)+r]
				if a >= 0 && s.mtg[a].locked {
					continue
				}
				o := option{sl, r, a, b}
				if a == b {
					o.b = -1
				}
				cost := 0
				if o.a >= 0 {
					cost++
				}
				if o.b >= 0 {
					cost++
				}
				if until, ok := tabu[tabuKey{m, sl, r}]; ok && until >= it {
					fallback = append(fallback, o)
					continue
				}
				switch {
				case cost < bestCost:
					bestCost, opts = cost, append(opts[:0], o)
				case cost == bestCost:
					opts = append(opts, o)
				}
			}
		}
		if len(opts) == 0 {
			opts = fallback // aspiration: every option is tabu
		}
		if len(opts) == 0 {
			continue // locked placements block every option: drop the meeting
		}
		var o option
		if bestCost > 0 && s.rng.IntN(10) != 0 {
			o = s.easiest(opts)
		} else {
			o = opts[s.rng.IntN(len(opts))] // plain random step, against cycling
		}
		tenure := 7 + s.rng.IntN(10)
		for _, e := range []int{o.a, o.b} {
			if e < 0 {
				continue
			}
			tabu[tabuKey{e, s.mtg[e].slot, s.mtg[e].room}] = it + tenure
			s.remove(e)
			s.queue = append(s.queue, e)
		}
		s.place(m, o.sl, o.r)
		if missed := s.missed(); missed < s.bestMissed {
			s.snapshot()
			lastGain = it
		}
	}
	s.restore()
}

// easiest picks, among options, one whose displaced meetings belong to clubs
// with the most candidate rooms (the easiest to place again), seeded among
// equals.
func (s *search) easiest(opts []option) option {
	best, bestScore, ties := opts[0], -1, 0
	for _, o := range opts {
		score := 0
		for _, e := range []int{o.a, o.b} {
			if e >= 0 {
				score += len(s.p.cand[s.mtg[e].club])
			}
		}
		switch {
		case score > bestScore:
			best, bestScore, ties = o, score, 1
		case score == bestScore:
			ties++
			if s.rng.IntN(ties) == 0 {
				best = o
			}
		}
	}
	return best
}

func (s *search) missed() int {
	n := 0
	for _, mt := range s.mtg {
		if mt.slot < 0 {
			n++
		}
	}
	return n
}

func (s *search) snapshot() {
	s.best = slices.Clone(s.mtg)
	s.bestMissed = s.missed()
}

func (s *search) restore() {
	for m, mt := range s.mtg {
		if mt.slot >= 0 {
			s.remove(m)
		}
	}
	for m, mt := range s.best {
		if mt.slot >= 0 {
			s.place(m, mt.slot, mt.room)
		}
	}
}

func (s *search) result() WeeklyPlan {
	p := s.p
	var plan WeeklyPlan
	plan.Iterations = s.iterations
	homeworkSegs := sortedSegments(p.in.Segments)
	for _, w := range p.in.weekdays() {
		for _, seg := range homeworkSegs {
			if seg.Kind != SegmentHomework || !seg.on(w) {
				continue
			}
			for _, c := range p.in.Classes {
				plan.Care = append(plan.Care, CareSession{ClassID: c.ID, Weekday: w, Segment: seg.Index, RoomID: c.HomeRoom})
			}
		}
	}
	slices.SortFunc(plan.Care, func(a, b CareSession) int {
		return cmp.Or(cmp.Compare(a.Weekday, b.Weekday), cmp.Compare(a.Segment, b.Segment), cmp.Compare(a.ClassID, b.ClassID))
	})
	placed := make([]int, len(p.clubs))
	for _, mt := range s.mtg {
		if mt.slot < 0 {
			continue
		}
		placed[mt.club]++
		sl := p.slots[mt.slot]
		plan.Placements = append(plan.Placements, Placement{ClubID: p.clubs[mt.club].ID, Weekday: sl.weekday,
			Segment: sl.segment, RoomID: p.rooms[mt.room].ID, Locked: mt.locked})
	}
	slices.SortFunc(plan.Placements, func(a, b Placement) int {
		return cmp.Or(cmp.Compare(a.Weekday, b.Weekday), cmp.Compare(a.Segment, b.Segment),
			cmp.Compare(a.RoomID, b.RoomID), cmp.Compare(a.ClubID, b.ClubID))
	})
	for c, club := range p.clubs {
		if missing := club.MeetingsPerWeek - placed[c]; missing > 0 {
			reason, detail := s.why(c)
			plan.Unplaced = append(plan.Unplaced, Unplaced{ClubID: club.ID, Missing: missing, Reason: reason, Detail: detail})
		}
	}
	slices.SortFunc(plan.Unplaced, func(a, b Unplaced) int { return cmp.Compare(a.ClubID, b.ClubID) })
	return plan
}

// why explains, in the final state, why club c is short of meetings.
func (s *search) why(c int) (Reason, string) {
	p := s.p
	club := p.clubs[c]
	switch p.static[c] {
	case ReasonNoRoomKind:
		return ReasonNoRoomKind, fmt.Sprintf("the school has no %s", club.RoomKind)
	case ReasonNoRoomBigEnough:
		largest := 0
		for _, r := range p.rooms {
			if r.Kind == club.RoomKind {
				largest = max(largest, r.Capacity)
			}
		}
		return ReasonNoRoomBigEnough, fmt.Sprintf("capacity %d but the largest %s holds %d", club.Capacity, club.RoomKind, largest)
	case ReasonTooFewWeekdays:
		return ReasonTooFewWeekdays, fmt.Sprintf("%d meetings a week but only %d weekdays have a club segment", club.MeetingsPerWeek, len(p.days))
	}
	freeCells, groupBlocked := 0, 0
	for sl := range p.slots {
		if s.clubDay[c*len(p.days)+p.slots[sl].day] >= 0 {
			continue
		}
		for _, r := range p.cand[c] {
			if s.roomAt[sl*len(p.rooms)+r] >= 0 {
				continue
			}
			freeCells++
			if !s.free(c, sl, r) {
				groupBlocked++
			}
		}
	}
	if freeCells > 0 && groupBlocked == freeCells {
		return ReasonGroupConflict, fmt.Sprintf("%d free %s slots all overlap other clubs of group %q", freeCells, club.RoomKind, club.Group)
	}
	return ReasonRoomsTaken, fmt.Sprintf("all %d %s rooms holding %d are taken in every club segment of the %d weekdays still open to it",
		len(p.cand[c]), club.RoomKind, club.Capacity, len(p.days)-s.usedDays(c))
}

func (s *search) usedDays(c int) int {
	n := 0
	for d := range s.p.days {
		if s.clubDay[c*len(s.p.days)+d] >= 0 {
			n++
		}
	}
	return n
}

// validateInput checks ids, references, ranges and the locks.
func validateInput(in Input) error {
	var v fault.ValidationError
	weekdays := map[calendar.Weekday]bool{}
	for i, w := range in.Weekdays {
		f := "weekdays[" + strconv.Itoa(i) + "]"
		switch {
		case !w.Valid():
			v.Addf(f, "weekday %d is not 1 (Monday) to 7 (Sunday)", int(w))
		case weekdays[w]:
			v.Addf(f, "duplicate weekday %s", w)
		}
		weekdays[w] = true
	}
	if len(in.Weekdays) == 0 {
		for _, w := range calendar.DefaultWeekdays() {
			weekdays[w] = true
		}
	}
	if len(in.Segments) == 0 {
		v.Addf("segments", "at least one segment is required")
	}
	segIdx := map[int]int{}
	for i, s := range in.Segments {
		f := "segments[" + strconv.Itoa(i) + "]"
		if s.Index < 1 {
			v.Addf(f+".index", "%d must be 1 or more", s.Index)
		} else if j, dup := segIdx[s.Index]; dup {
			v.Addf(f+".index", "%d duplicates segments[%d]", s.Index, j)
		} else {
			segIdx[s.Index] = i
		}
		if s.Kind != SegmentHomework && s.Kind != SegmentClub {
			v.Addf(f+".kind", "must be homework or club")
		}
		if !s.Start.Valid() {
			v.Addf(f+".start", "time of day out of range")
		}
		if !s.End.Valid() || s.End <= s.Start {
			v.Addf(f+".end", "%s is not after start %s", s.End, s.Start)
		}
		for k, w := range s.Weekdays {
			if !weekdays[w] {
				v.Addf(f+".weekdays["+strconv.Itoa(k)+"]", "%s is not a school weekday", w)
			}
		}
		for j := range i {
			o := in.Segments[j]
			if s.Start < o.End && o.Start < s.End && sharesWeekday(s, o, weekdays) {
				v.Addf(f+".start", "%s–%s overlaps segments[%d]", s.Start, s.End, j)
			}
		}
	}
	rooms := map[string]int{}
	for i, r := range in.Rooms {
		f := "rooms[" + strconv.Itoa(i) + "]"
		if r.ID == "" {
			v.Addf(f+".id", "required")
		} else if j, dup := rooms[r.ID]; dup {
			v.Addf(f+".id", "%q duplicates rooms[%d]", r.ID, j)
		} else {
			rooms[r.ID] = i
		}
		if !r.Kind.valid() {
			v.Addf(f+".kind", "unknown room kind %d", int(r.Kind))
		}
		if r.Capacity < 1 {
			v.Addf(f+".capacity", "%d must be 1 or more", r.Capacity)
		}
	}
	classes := map[string]int{}
	homeOf := map[string]int{}
	for i, c := range in.Classes {
		f := "classes[" + strconv.Itoa(i) + "]"
		if c.ID == "" {
			v.Addf(f+".id", "required")
		} else if j, dup := classes[c.ID]; dup {
			v.Addf(f+".id", "%q duplicates classes[%d]", c.ID, j)
		} else {
			classes[c.ID] = i
		}
		if c.Grade < 1 || c.Grade > 9 {
			v.Addf(f+".grade", "%d is not 1 to 9", c.Grade)
		}
		if c.Size < 1 {
			v.Addf(f+".size", "%d must be 1 or more", c.Size)
		}
		ri, ok := rooms[c.HomeRoom]
		switch {
		case c.HomeRoom == "":
			v.Addf(f+".home_room", "required")
		case !ok:
			v.Addf(f+".home_room", "unknown room %q", c.HomeRoom)
		case in.Rooms[ri].Capacity < c.Size:
			v.Addf(f+".home_room", "room %q holds %d, class has %d", c.HomeRoom, in.Rooms[ri].Capacity, c.Size)
		}
		if j, dup := homeOf[c.HomeRoom]; dup && ok {
			v.Addf(f+".home_room", "room %q is already the home room of classes[%d]", c.HomeRoom, j)
		} else if ok {
			homeOf[c.HomeRoom] = i
		}
	}
	clubs := map[string]int{}
	for i, c := range in.Clubs {
		f := "clubs[" + strconv.Itoa(i) + "]"
		if c.ID == "" {
			v.Addf(f+".id", "required")
		} else if j, dup := clubs[c.ID]; dup {
			v.Addf(f+".id", "%q duplicates clubs[%d]", c.ID, j)
		} else {
			clubs[c.ID] = i
		}
		if c.Provider != ProviderSchool && c.Provider != ProviderOutside {
			v.Addf(f+".provider", "must be school or outside")
		}
		if c.Capacity < 1 {
			v.Addf(f+".capacity", "%d must be 1 or more", c.Capacity)
		}
		if len(c.Grades) == 0 {
			v.Addf(f+".grades", "at least one eligible grade is required")
		}
		for k, g := range c.Grades {
			if g < 1 || g > 9 {
				v.Addf(f+".grades["+strconv.Itoa(k)+"]", "%d is not 1 to 9", g)
			}
		}
		if !c.RoomKind.valid() {
			v.Addf(f+".room_kind", "unknown room kind %d", int(c.RoomKind))
		}
		if c.MeetingsPerWeek < 1 {
			v.Addf(f+".meetings_per_week", "%d must be 1 or more", c.MeetingsPerWeek)
		}
	}
	if len(v.Violations) > 0 {
		return v.Err()
	}
	validateLocks(in, &v, clubs, rooms)
	return v.Err()
}

func sharesWeekday(a, b Segment, weekdays map[calendar.Weekday]bool) bool {
	for w := range weekdays {
		if a.on(w) && b.on(w) {
			return true
		}
	}
	return false
}

func validateLocks(in Input, v *fault.ValidationError, clubs, rooms map[string]int) {
	segs := map[int]Segment{}
	for _, s := range in.Segments {
		segs[s.Index] = s
	}
	weekdays := map[calendar.Weekday]bool{}
	for _, w := range in.weekdays() {
		weekdays[w] = true
	}
	type cell struct {
		w   calendar.Weekday
		seg int
		key string
	}
	used := map[cell]int{}
	count := map[string]int{}
	for i, l := range in.Locked {
		f := "locked[" + strconv.Itoa(i) + "]"
		ci, okClub := clubs[l.ClubID]
		ri, okRoom := rooms[l.RoomID]
		if !okClub {
			v.Addf(f+".club_id", "unknown club %q", l.ClubID)
		}
		if !okRoom {
			v.Addf(f+".room_id", "unknown room %q", l.RoomID)
		}
		if !weekdays[l.Weekday] {
			v.Addf(f+".weekday", "%s is not a school weekday", l.Weekday)
		}
		seg, okSeg := segs[l.Segment]
		switch {
		case !okSeg:
			v.Addf(f+".segment", "unknown segment %d", l.Segment)
		case seg.Kind != SegmentClub:
			v.Addf(f+".segment", "segment %d is not a club segment", l.Segment)
		case !seg.on(l.Weekday):
			v.Addf(f+".segment", "segment %d does not run on %s", l.Segment, l.Weekday)
		}
		if !okClub || !okRoom {
			continue
		}
		club, room := in.Clubs[ci], in.Rooms[ri]
		if room.Kind != club.RoomKind {
			v.Addf(f+".room_id", "room %q is a %s, club %q needs a %s", room.ID, room.Kind, club.ID, club.RoomKind)
		}
		if room.Capacity < club.Capacity {
			v.Addf(f+".room_id", "room %q holds %d, club %q has %d seats", room.ID, room.Capacity, club.ID, club.Capacity)
		}
		for _, k := range []cell{{l.Weekday, l.Segment, "room:" + room.ID}, {l.Weekday, 0, "club:" + club.ID}} {
			if j, dup := used[k]; dup {
				v.Addf(f, "clashes with locked[%d] (%s on %s)", j, k.key, l.Weekday)
			}
			used[k] = i
		}
		if club.Group != "" {
			k := cell{l.Weekday, l.Segment, "group:" + club.Group}
			if j, dup := used[k]; dup {
				v.Addf(f, "clashes with locked[%d] (group %q)", j, club.Group)
			}
			used[k] = i
		}
		count[club.ID]++
		if count[club.ID] > club.MeetingsPerWeek {
			v.Addf(f, "club %q has more locked placements than its %d meetings", club.ID, club.MeetingsPerWeek)
		}
	}
}
