package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/staffing/app"
	"github.com/kehou/kehou/services/staffing/store"
	"github.com/kehou/kehou/services/staffing/timetablefeed"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// BenchmarkStaffingGrid reads the staffing grid of one school seeded the
// way kehouload's reads do (10 classes of 40, a basic-care item of two
// 40-minute periods every weekday, one opted-in teacher a class, the week
// of 2 September 2024 solved): "app" is the use case on the real store
// (the SQL, the scan, Evaluate, Explain), "grpc" the same call over a
// real connection to staffing (adding the proto answer and its encoding).
func BenchmarkStaffingGrid(b *testing.B) {
	env := systemtest.Start(b)
	district := env.District(b, "350499")
	sc := env.School(b, district, "压测第1小学", "SCHOOL_STAGE_PRIMARY")
	base := "/v1/schools/" + sc
	var classes []string
	for k := range 10 {
		room := env.MustDo(b, "POST", base+"/rooms", map[string]any{"name": fmt.Sprintf("%d教室", 101+k), "kind": "ROOM_KIND_CLASSROOM", "capacity": 50})
		cl := env.MustDo(b, "POST", base+"/classes", map[string]any{"grade": k%6 + 1, "name": fmt.Sprintf("%d年级%d班", k%6+1, k/6+1), "size": 40,
			"home_room_id": systemtest.Str(room, "room", "room_id")})
		classes = append(classes, systemtest.Str(cl, "class", "class_id"))
	}
	tm := env.MustDo(b, "POST", base+"/terms", map[string]any{"name": "2024-2025学年第一学期（九月）",
		"start_date": systemtest.Date(2024, 9, 2), "end_date": systemtest.Date(2024, 9, 27),
		"holidays": []any{map[string]any{"date": systemtest.Date(2024, 9, 16), "name": "中秋节"}}})
	term := systemtest.Str(tm, "term", "term_id")
	var windows []any
	for wd := 1; wd <= 5; wd++ {
		windows = append(windows, map[string]any{"weekday": wd, "start": systemtest.Time(16, 0), "end": systemtest.Time(17, 20)})
	}
	env.MustDo(b, "POST", base+"/terms/"+term+"/items", map[string]any{"kind": "ITEM_KIND_BASIC_CARE", "name": "课后基础托管", "segment": 1, "windows": windows})
	env.MustDo(b, "POST", base+"/terms/"+term+"/plan:generate", map[string]any{"seed": 1})
	for k, cl := range classes {
		st := env.MustDo(b, "POST", base+"/staff", map[string]any{"name": fmt.Sprintf("教师%d", k+1), "kind": "STAFF_KIND_TEACHER",
			"class_teacher_of": cl, "classes_taught": []string{cl}, "subjects": []string{"语文"}})
		env.MustDo(b, "POST", base+"/staff/"+systemtest.Str(st, "staff_member", "staff_id")+"/participation", map[string]any{"term_id": term, "opted_in": true})
	}
	env.MustDo(b, "POST", base+"/staffing-plans:solve", map[string]any{"term_id": term, "week_start": systemtest.Date(2024, 9, 2), "seed": "1"})

	ctx := env.Ctx()
	creds, ok := env.Run.ServiceCredentials(system.Staffing)
	if !ok {
		b.Fatal("staffing has no service credential")
	}
	ttConn, err := grpc.NewClient(env.Run.TimetableAddr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(creds))
	if err != nil {
		b.Fatal(err)
	}
	defer ttConn.Close()
	pool, err := pgxpool.New(context.Background(), env.DatabaseURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	a := app.New(store.New(pool), timetablefeed.New(ttConn), nil)
	week := civil.New(2024, 9, 2)
	g, err := a.StaffingGrid(ctx, sc, week)
	if err != nil {
		b.Fatal(err)
	}
	if len(g.Week.Demands) == 0 || len(g.Week.Assignments) == 0 {
		b.Fatalf("grid has %d demands and %d assignments, want a solved week", len(g.Week.Demands), len(g.Week.Assignments))
	}
	b.Logf("grid: %d demands, %d assignments, %d uncovered", len(g.Week.Demands), len(g.Week.Assignments), len(g.Week.Uncovered))

	b.Run("app", func(b *testing.B) {
		b.ReportAllocs()
		cpu0, pg0 := processCPU(b), databaseCPU(b, pool)
		for b.Loop() {
			if _, err := a.StaffingGrid(ctx, sc, week); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(databaseCPU(b, pool)-pg0)/float64(b.N), "pg-cpu-ns/op")
	})
	stConn, err := grpc.NewClient(env.Run.StaffingAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer stConn.Close()
	api := staffingv1.NewStaffingServiceClient(stConn)
	req := &staffingv1.GetStaffingGridRequest{SchoolId: sc, WeekStart: &commonv1.Date{Year: 2024, Month: 9, Day: 2}}
	b.Run("grpc", func(b *testing.B) {
		b.ReportAllocs()
		cpu0, pg0 := processCPU(b), databaseCPU(b, pool)
		for b.Loop() {
			if _, err := api.GetStaffingGrid(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(databaseCPU(b, pool)-pg0)/float64(b.N), "pg-cpu-ns/op")
	})
}

// processCPU is this process's user and system CPU time in nanoseconds:
// per op it is the grid's own work in Go (the system's parts idle in this
// process meanwhile), which wall time on a shared machine hides behind
// PostgreSQL and the other loads.
func processCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// databaseCPU is the CPU time in nanoseconds of the PostgreSQL backends
// serving this test's database (read from /proc: the dev database runs on
// this machine), the grid's SQL cost. It is 0 where /proc does not show them.
func databaseCPU(b *testing.B, pool *pgxpool.Pool) int64 {
	rows, err := pool.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	var ticks int64
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // another machine's backend, or gone
		}
		// Fields after the command (which may hold spaces): state is the
		// 3rd field, utime the 14th and stime the 15th.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return ticks * int64(time.Second) / 100 // USER_HZ is 100 on Linux
}
