package allocator

import "container/heap"

// Optimum returns an exact optimum for comparison with Allocate: the most
// students assigned, and among such allocations the least total rank (first
// choice costs 1, second 2, …). It solves a min-cost max-flow (source →
// student → ranked club → sink, club arcs with the club's capacity) by the
// primal-dual method: Dijkstra with potentials, then blocking flows along
// zero reduced-cost arcs. Any allocation that is optimal this way is also
// Pareto-efficient. Its Order is nil, so it cannot drive the waitlist. Ties
// between optima are broken by input order, deterministically.
func Optimum(in Input) (Allocation, error) {
	ix, err := validate(in)
	if err != nil {
		return Allocation{}, err
	}
	n, m := len(in.Students), len(in.Clubs)
	g := newGraph(n + m + 2)
	src, sink := n+m, n+m+1
	studentArc := make([][]int, n) // arcs student → club, by rank
	for s := range n {
		g.addArc(src, s, 1, 0)
		for r, c := range ix.choices[s] {
			studentArc[s] = append(studentArc[s], g.addArc(s, n+c, 1, int64(r+1)))
		}
	}
	for c, club := range in.Clubs {
		if club.Capacity > 0 {
			g.addArc(n+c, sink, club.Capacity, 0)
		}
	}
	g.minCostMaxFlow(src, sink)

	a := Allocation{Assignments: make([]Assignment, n)}
	for s, st := range in.Students {
		a.Assignments[s] = Assignment{StudentID: st.ID}
		for r, e := range studentArc[s] {
			if g.cap[e] == 0 { // saturated: the student takes this club
				a.Assignments[s].ClubID, a.Assignments[s].Rank = in.Clubs[ix.choices[s][r]].ID, r+1
			}
		}
	}
	a.Stats = stats(a.Assignments)
	return a, nil
}

// graph is a residual flow network; arc e and e^1 are each other's reverse.
type graph struct {
	adj  [][]int
	to   []int
	cap  []int
	cost []int64
}

func newGraph(n int) *graph { return &graph{adj: make([][]int, n)} }

func (g *graph) addArc(u, v, c int, cost int64) int {
	e := len(g.to)
	g.to = append(g.to, v, u)
	g.cap = append(g.cap, c, 0)
	g.cost = append(g.cost, cost, -cost)
	g.adj[u] = append(g.adj[u], e)
	g.adj[v] = append(g.adj[v], e+1)
	return e
}

const inf = int64(1) << 60

// minCostMaxFlow pushes a maximum flow of minimum cost from s to t. Costs are
// non-negative, so zero potentials are feasible at the start.
func (g *graph) minCostMaxFlow(s, t int) {
	n := len(g.adj)
	h := make([]int64, n)
	dist := make([]int64, n)
	level := make([]int, n)
	it := make([]int, n)
	queue := make([]int, 0, n)
	for {
		// Dijkstra on reduced costs cost(u,v) + h[u] − h[v] ≥ 0.
		for i := range dist {
			dist[i] = inf
		}
		dist[s] = 0
		pq := &minHeap{{node: s}}
		for pq.Len() > 0 {
			top := heap.Pop(pq).(item)
			if top.dist > dist[top.node] {
				continue
			}
			u := top.node
			for _, e := range g.adj[u] {
				if g.cap[e] == 0 {
					continue
				}
				v := g.to[e]
				if nd := dist[u] + g.cost[e] + h[u] - h[v]; nd < dist[v] {
					dist[v] = nd
					heap.Push(pq, item{node: v, dist: nd})
				}
			}
		}
		if dist[t] == inf {
			return
		}
		for v := range n {
			h[v] += min(dist[v], dist[t])
		}
		// Blocking flows on arcs with zero reduced cost (Dinic levels keep
		// the search off zero-cost cycles).
		for {
			for i := range level {
				level[i] = -1
			}
			level[s] = 0
			queue = append(queue[:0], s)
			for k := 0; k < len(queue); k++ {
				u := queue[k]
				for _, e := range g.adj[u] {
					v := g.to[e]
					if g.cap[e] > 0 && level[v] < 0 && g.cost[e]+h[u]-h[v] == 0 {
						level[v] = level[u] + 1
						queue = append(queue, v)
					}
				}
			}
			if level[t] < 0 {
				break
			}
			clear(it)
			for g.push(s, t, int(^uint(0)>>1), level, it, h) > 0 {
			}
		}
	}
}

func (g *graph) push(u, t, f int, level, it []int, h []int64) int {
	if u == t {
		return f
	}
	for ; it[u] < len(g.adj[u]); it[u]++ {
		e := g.adj[u][it[u]]
		v := g.to[e]
		if g.cap[e] == 0 || level[v] != level[u]+1 || g.cost[e]+h[u]-h[v] != 0 {
			continue
		}
		if d := g.push(v, t, min(f, g.cap[e]), level, it, h); d > 0 {
			g.cap[e] -= d
			g.cap[e^1] += d
			return d
		}
	}
	return 0
}

type item struct {
	node int
	dist int64
}

type minHeap []item

func (q minHeap) Len() int           { return len(q) }
func (q minHeap) Less(i, j int) bool { return q[i].dist < q[j].dist }
func (q minHeap) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *minHeap) Push(x any)        { *q = append(*q, x.(item)) }
func (q *minHeap) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
