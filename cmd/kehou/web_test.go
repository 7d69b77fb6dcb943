package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/kehou/kehou/services/system/systemtest"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// The web pages' tests drive Debian's Chromium through chromedp against a
// system started with the demo loaded, as each audience: the parent on a
// phone-sized screen, the school administrator, the finance office and the
// bureau on office screens. scripts/test.sh (make test) installs Chromium
// and pdftotext as root with apt when they are missing; without them these
// tests fail, they never skip.

// chromiumPath is the browser the tests drive: $KEHOU_CHROMIUM, else Debian's.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("KEHOU_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	t.Fatal("browser tests: Chromium not found at /usr/bin/chromium; run scripts/browser.sh ensure (make test installs it as root with apt) or set KEHOU_CHROMIUM")
	return ""
}

// screenshotDir is where the screenshots and the printed PDF go: the
// git-ignored screenshots/ at the top of the repository, or
// $KEHOU_SCREENSHOTS.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KEHOU_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// yuanText formats a decimal string the way the pages do (¥1,234.50), so
// the page's figures are compared with the API's own.
func yuanText(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + "¥" + b.String() + "." + frac
}

// tab is one browser tab with its own sessionStorage (so its own sign-in).
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string
}

func (b tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// evalJS runs JavaScript in the page (awaiting a promise) and decodes its value.
func evalJS[T any](b tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

// ready waits until the page has rendered its view and no API request is
// in flight (the router sets body[data-ready=1] then).
func ready() chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.body && document.body.dataset.ready === '1'`, chromedp.WithPollingTimeout(30*time.Second))
}

// load navigates to url and waits until the page is ready. A poll that
// starts while the previous document is still being replaced loses its
// execution context; it is tried again then.
func (b tab) load(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
	var err error
	for range 50 {
		if err = chromedp.Do(b.ctx, ready()); err == nil || !strings.Contains(err.Error(), "context with specified id") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		b.t.Fatalf("browser: load %s: %v", url, err)
	}
}

// open goes to a route (#/…) inside the running page and waits until ready.
func (b tab) open(hash string) {
	b.t.Helper()
	evalJS[int](b, fmt.Sprintf(`document.body.dataset.ready = '0'; location.hash = %q; 1`, hash))
	b.do(ready())
}

func (b tab) count(sel string) int {
	b.t.Helper()
	return evalJS[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

func (b tab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(evalJS[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel)))
}

// apiStatus calls the API from inside the page with the page's own token,
// as a person editing requests in the browser would, and returns the status.
func (b tab) apiStatus(path string) int {
	b.t.Helper()
	return evalJS[int](b, fmt.Sprintf(`(async () => { const s = JSON.parse(sessionStorage.getItem('kehou.session'));
		const r = await fetch(%q, {headers: {Authorization: 'Bearer ' + s.access_token}}); return r.status; })()`, path))
}

func (b tab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(b.shot, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signIn loads the pages fresh and signs in through the sign-in form.
func (b tab) signIn(login string) {
	b.t.Helper()
	b.load(b.base + "/#/signin")
	b.do(chromedp.SendKeys(chromedp.CSS(`input[name=login]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demoPassword),
		chromedp.Evaluate[chromedp.Void](`document.body.dataset.ready = '0'; 1`),
		chromedp.Click(chromedp.CSS(`form.signin button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`!location.hash.startsWith('#/signin') && document.body.dataset.ready === '1'`, chromedp.WithPollingTimeout(30*time.Second)))
}

func ptr[T any](v T) *T { return &v }

// week0 is the demo parent's view of a child's first staffed week.
func week0(t *testing.T, env *systemtest.Env, school, student, term string) map[string]any {
	t.Helper()
	return env.As(env.SignIn(t, "demo.parent", demoPassword)).MustDo(t, "GET",
		"/v1/schools/"+school+"/students/"+student+"/terms/"+term+"/week?week_of.year=2026&week_of.month=9&week_of.day=7", nil)
}

func TestWebPagesInChromium(t *testing.T) {
	t.Parallel()
	exe := chromiumPath(t)
	shots := screenshotDir(t)
	env := systemtest.Start(t)
	res, err := loadDemo(context.Background(), env.Run, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("load demo: %v", err)
	}
	// The first family statement of the banner is the primary school's
	// child: /v1/schools/{school}/students/{student}/terms/{term}/statements.
	var parts []string
	for _, p := range res.Paths {
		if strings.HasSuffix(p, "/statements") {
			parts = strings.Split(p, "/")
			break
		}
	}
	if len(parts) != 9 {
		t.Fatalf("no family statement among the demo's paths %v", res.Paths)
	}
	school, student, term := parts[3], parts[5], parts[7]

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "zh-CN"), chromedp.WindowSize(1366, 900))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	newTab := func(t *testing.T) tab {
		tctx, cancel := chromedp.NewContext(bctx)
		t.Cleanup(cancel)
		return tab{t: t, ctx: tctx, base: env.Base, shot: shots}
	}

	bureau := env.As(env.SignIn(t, "demo.bureau", demoPassword))
	t.Run("parent", func(t *testing.T) { webParent(t, newTab(t), env, bureau, school, student, term) })
	// The school administrator's school (the demo's primary) and its term of 18 November.
	adminSchool := systemtest.Str(env.As(env.SignIn(t, "demo.school", demoPassword)).MustDo(t, "GET", "/v1/me", nil), "account", "school_id")
	adminTerm := ""
	for _, tm := range systemtest.Get(bureau.MustDo(t, "GET", "/v1/schools/"+adminSchool+"/terms", nil), "terms").([]any) {
		from, to := systemtest.Get(tm, "start_date"), systemtest.Get(tm, "end_date")
		day := func(d any) string {
			return fmt.Sprintf("%04.0f-%02.0f-%02.0f", systemtest.Get(d, "year"), systemtest.Get(d, "month"), systemtest.Get(d, "day"))
		}
		if day(from) <= "2026-11-18" && "2026-11-18" <= day(to) {
			adminTerm = systemtest.Str(tm, "term_id")
		}
	}
	if adminTerm == "" {
		t.Fatalf("the demo school %s has no term holding 18 November 2026", adminSchool)
	}
	t.Run("school", func(t *testing.T) { webSchool(t, newTab(t), env, adminSchool, adminTerm) })
	t.Run("finance", func(t *testing.T) { webFinance(t, newTab(t), env, shots, school, term) })
	t.Run("teacher", func(t *testing.T) { webTeacher(t, newTab(t), env, adminSchool) })
	t.Run("bureau", func(t *testing.T) {
		b := newTab(t)
		b.signIn("demo.bureau")
		schools := systemtest.Get(bureau.MustDo(t, "GET", "/v1/districts/"+DemoDistrictID+"/schools", nil), "schools").([]any)
		if got := b.count(`table.schools tbody tr`); got != len(schools) || got == 0 {
			t.Errorf("the bureau's page lists %d schools, the API %d", got, len(schools))
		}
		b.screenshot("bureau-home.png")
	})
}

// webParent: on a 375-px phone screen the demo parent signs in and sees the
// child's statements with the API's totals; school and finance pages and
// another family's child are refused by the page and by the API.
func webParent(t *testing.T, b tab, env *systemtest.Env, bureau systemtest.Client, school, student, term string) {
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.signIn("demo.parent")
	me := env.As(env.SignIn(t, "demo.parent", demoPassword)).MustDo(t, "GET", "/v1/me", nil)
	if got, want := b.count(`ul.kids li`), len(systemtest.Get(me, "account", "students").([]any)); got != want {
		t.Errorf("the parent's home lists %d children, the API %d", got, want)
	}
	b.screenshot("parent-home.png")

	api := env.As(env.SignIn(t, "demo.parent", demoPassword)).MustDo(t, "GET",
		"/v1/schools/"+school+"/students/"+student+"/terms/"+term+"/statements", nil)
	statements := systemtest.Get(api, "statements").([]any)
	if len(statements) == 0 {
		t.Fatal("the demo child has no statements")
	}

	// Ready time: a full load of the statement page until its view is
	// rendered and no request is in flight; the median of five loads.
	route := "#/parent/" + school + "/" + student + "/statements"
	var loads []time.Duration
	var inPage []float64
	for i := range 5 {
		start := time.Now()
		b.load(fmt.Sprintf("%s/?load=%d%s", b.base, i, route))
		at := evalJS[float64](b, `window.kehouReadyAt`)
		loads, inPage = append(loads, time.Since(start)), append(inPage, at)
	}
	slices.Sort(loads)
	slices.Sort(inPage)
	t.Logf("resources of the last load: %s", evalJS[string](b, `performance.getEntriesByType('resource').map(e => e.name.replace(location.origin, '').slice(0, 60) + ' @' + Math.round(e.startTime) + '+' + Math.round(e.duration)).join('\n')`))
	// Baseline in the same run: the browser's full navigation to /healthz,
	// a request that touches no service, so the ratio says what the page
	// costs over a bare round trip on this (shared) machine.
	var floor []time.Duration
	for i := range 5 {
		start := time.Now()
		b.do(chromedp.Navigate(fmt.Sprintf("%s/healthz?n=%d", b.base, i)))
		floor = append(floor, time.Since(start))
	}
	slices.Sort(floor)
	t.Logf("parent statement page ready (network idle), 5 full loads: median %v (min %v, max %v); in-page performance.now() at ready: median %.0f ms; baseline /healthz navigation median %v; ratio %.1f",
		loads[2].Round(time.Millisecond), loads[0].Round(time.Millisecond), loads[4].Round(time.Millisecond), inPage[2],
		floor[2].Round(time.Millisecond), float64(loads[2])/float64(floor[2]))

	b.load(b.base + "/" + route)
	if got, want := b.text(`[data-total="parent-term"]`), yuanText(systemtest.Str(api, "parent_total", "amount")); got != want {
		t.Errorf("term total on the page %q, the API says %q", got, want)
	}
	if got := b.count(`section.statement`); got != len(statements) {
		t.Errorf("%d statements on the page, %d from the API", got, len(statements))
	}
	for _, s := range statements {
		id := systemtest.Str(s, "statement_id")
		sel := fmt.Sprintf(`section.statement[data-statement-id=%q]`, id)
		if got, want := b.text(sel+` [data-total="parent"]`), yuanText(systemtest.Str(s, "totals", "parent", "amount")); got != want {
			t.Errorf("statement %s: parent pays %q on the page, %q from the API", id, got, want)
		}
		if got, want := b.text(sel+` [data-total="net"]`), yuanText(systemtest.Str(s, "totals", "net", "amount")); got != want {
			t.Errorf("statement %s: net %q on the page, %q from the API", id, got, want)
		}
		lines := systemtest.Get(s, "lines").([]any)
		if got := b.count(sel + ` tr[data-line]`); got != len(lines) {
			t.Errorf("statement %s: %d lines on the page, %d from the API", id, got, len(lines))
		}
		first := b.text(sel + ` tr[data-line="1"]`)
		l := lines[0]
		for _, want := range []string{systemtest.Str(l, "name"), systemtest.Str(l, "document_no"), systemtest.Str(l, "rule_id"),
			yuanText(systemtest.Str(l, "unit_rate")), yuanText(systemtest.Str(l, "parent", "amount"))} {
			if !strings.Contains(first, want) {
				t.Errorf("statement %s line 1 %q does not explain %q", id, first, want)
			}
		}
	}
	b.screenshot("parent-statement.png")

	// Pages of other roles: the page refuses, and so does the API.
	for hash, path := range map[string]string{
		"#/school":  "/v1/schools/" + school + "/terms/" + term + "/compliance",
		"#/finance": "/v1/districts/" + DemoDistrictID + "/claims?from.year=2026&from.month=9&from.day=1&to.year=2027&to.month=8&to.day=31",
	} {
		b.open(hash)
		if b.count(`[data-denied="1"]`) != 1 {
			t.Errorf("the parent opened %s: the page did not refuse", hash)
		}
		if code := b.apiStatus(path); code != 403 && code != 404 {
			t.Errorf("the parent's token on %s: %d, want 403 or 404", path, code)
		}
	}
	// Another family's child, by editing the URL: the API answers 404 and
	// the page shows that and no statement.
	roster := systemtest.Get(bureau.MustDo(t, "GET", "/v1/schools/"+school+"/students?page_size=5", nil), "students").([]any)
	other := ""
	for _, s := range roster {
		if id := systemtest.Str(s, "student_id"); id != student {
			other = id
			break
		}
	}
	if other == "" {
		t.Fatal("no other child in the demo school")
	}
	for _, hash := range []string{"#/parent/" + school + "/" + other + "/statements", "#/parent/" + school + "/" + other} {
		b.open(hash)
		if b.count(`.error[data-status="404"]`) != 1 || b.count(`section.statement, table.week`) != 0 {
			t.Errorf("the parent opened another child's page %s: want the API's 404 and nothing of the child", hash)
		}
	}
	if code := b.apiStatus("/v1/schools/" + school + "/students/" + other + "/terms/" + term + "/statements"); code != 404 {
		t.Errorf("the parent's token on another child's statements: %d, want 404", code)
	}
	// The child's week of 7 September (the demo staffs it): the child's
	// name, each session's room and its teachers as the API gives them.
	// The home page names the child as the week route does.
	b.open("#/parent?names=1")
	if name := systemtest.Str(week0(t, env, school, student, term), "name"); name == "" || !strings.Contains(b.text(fmt.Sprintf(`ul.kids li[data-student=%q] .kid-name`, student)), name) {
		t.Errorf("the parent's home names the child %q, the API %q", b.text(fmt.Sprintf(`ul.kids li[data-student=%q] .kid-name`, student)), name)
	}
	b.open("#/parent/" + school + "/" + student + "?term=" + term + "&week=2026-09-07")
	if b.count(`table.week`) != 1 {
		t.Error("the parent's own child has no week table")
	}
	parentAPI := env.As(env.SignIn(t, "demo.parent", demoPassword))
	wq := "?week_of.year=2026&week_of.month=9&week_of.day=7"
	week := parentAPI.MustDo(t, "GET", "/v1/schools/"+school+"/students/"+student+"/terms/"+term+"/week"+wq, nil)
	staffed := parentAPI.MustDo(t, "GET", "/v1/schools/"+school+"/students/"+student+"/terms/"+term+"/teachers"+wq, nil)
	if name := systemtest.Str(week, "name"); name == "" || !strings.Contains(b.text(`.child-name`), name) {
		t.Errorf("the child's page names %q, the API %q", b.text(`.child-name`), name)
	}
	sessions, _ := systemtest.Get(week, "sessions").([]any)
	teachers, _ := systemtest.Get(staffed, "teachers").([]any)
	if len(sessions) == 0 || len(teachers) == 0 {
		t.Fatalf("the demo child's week of 7 September: %d sessions, %d staffed places", len(sessions), len(teachers))
	}
	if got := b.count(`table.week tr[data-occurrence]`); got != len(sessions) {
		t.Errorf("%d sessions on the week table, %d from the API", got, len(sessions))
	}
	for _, x := range sessions {
		row := b.text(fmt.Sprintf(`table.week tr[data-occurrence=%q]`, systemtest.Str(x, "occurrence_id")))
		if room := systemtest.Str(x, "room_name"); room == "" || !strings.Contains(row, room) {
			t.Errorf("session %s: room %q not on its row %q", systemtest.Str(x, "occurrence_id"), room, row)
		}
	}
	for _, x := range teachers {
		cell := b.text(fmt.Sprintf(`table.week tr[data-occurrence=%q] td.teacher`, systemtest.Str(x, "occurrence_id")))
		if name := systemtest.Str(x, "name"); !strings.Contains(cell, name) {
			t.Errorf("session %s: teacher %q not in %q", systemtest.Str(x, "occurrence_id"), name, cell)
		}
	}
	b.screenshot("parent-child-week.png")
	// Sign-up: every service of the term is listed; one the child lacks is
	// signed up for from the page and is then pending in the API.
	items := systemtest.Get(env.As(env.SignIn(t, "demo.parent", demoPassword)).MustDo(t, "GET", "/v1/schools/"+school+"/terms/"+term+"/items", nil), "items").([]any)
	if got := b.count(`table.items tbody tr`); got != len(items) {
		t.Errorf("%d services offered on the page, %d in the API", got, len(items))
	}
	if b.count(`table.items button.sign-up`) > 0 {
		item := evalJS[string](b, `document.querySelector('table.items button.sign-up').closest('td').dataset.item`)
		evalJS[int](b, `document.querySelector('table.items button.sign-up').click(); 1`)
		b.do(chromedp.Poll[chromedp.Void](fmt.Sprintf(`!document.querySelector('table.items td[data-item=%q] button')`, item), chromedp.WithPollingTimeout(30*time.Second)))
		en := env.As(env.SignIn(t, "demo.parent", demoPassword)).MustDo(t, "GET", "/v1/schools/"+school+"/terms/"+term+"/enrolments?student_id="+student, nil)
		pending := false
		for _, e := range systemtest.Get(en, "enrolments").([]any) {
			pending = pending || (systemtest.Str(e, "item_id") == item && systemtest.Str(e, "status") == "ENROLMENT_STATUS_PENDING")
		}
		if !pending {
			t.Errorf("signed up for %s on the page, but the API has no pending enrolment: %v", item, en)
		}
	}
	// Leave: without dates the API's 400 names both, each shown beside its
	// input in Chinese; with them the leave is filed.
	b.do(chromedp.Click(chromedp.CSS(`form.leave-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('form.leave-form .field-error')`, chromedp.WithPollingTimeout(30*time.Second)))
	for _, f := range []string{"leave.start_date", "leave.end_date"} {
		if got := b.text(fmt.Sprintf(`form.leave-form input[name=%q] + .field-error[data-field=%q]`, f[6:], f)); got != "必填" {
			t.Errorf("leave without %s: %q beside the field, want 必填", f, got)
		}
	}
	evalJS[int](b, `const f = document.querySelector('form.leave-form'); f.start_date.value = '2026-12-14'; f.end_date.value = '2026-12-15'; f.reason.value = '发烧'; 1`)
	b.do(chromedp.Click(chromedp.CSS(`form.leave-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('form.leave-form .status').textContent`, chromedp.WithPollingTimeout(30*time.Second)))
	if got := b.text(`form.leave-form .status`); got != "请假已提交" || b.count(`form.leave-form .field-error`) != 0 {
		t.Errorf("leave with dates: %q, errors %d", got, b.count(`form.leave-form .field-error`))
	}
	b.screenshot("parent-week.png")
}

// webSchool: a class's session is cancelled through the API, which breaks
// the "5+2" minimum that day; the administrator's grid marks exactly that
// class's cell and explains it, and a week without violations marks none.
func webSchool(t *testing.T, b tab, env *systemtest.Env, school, term string) {
	admin := env.As(env.SignIn(t, "demo.school", demoPassword))
	classes := systemtest.Get(admin.MustDo(t, "GET", "/v1/schools/"+school+"/classes", nil), "classes").([]any)
	class := systemtest.Str(classes[0], "class_id")
	marked := fmt.Sprintf(`td.violation[data-who=%q][data-date="2026-11-18"]`, class)
	report := func() int {
		r := admin.MustDo(t, "GET", "/v1/schools/"+school+"/terms/"+term+"/compliance?week_of.year=2026&week_of.month=11&week_of.day=16", nil)
		vs, _ := systemtest.Get(r, "report", "violations").([]any)
		return len(vs)
	}
	b.signIn("demo.school")
	b.open("#/school?week=2026-11-16")
	if b.count(marked) != 0 {
		t.Fatalf("the class's cell of 18 November is marked before anything broke the rules")
	}
	if got, want := b.count(`ol.violations li`), report(); got != want {
		t.Errorf("before: %d violations explained on the page, %d in the API's report", got, want)
	}
	admin.MustDo(t, "POST", "/v1/schools/"+school+"/terms/"+term+"/cancellations", map[string]any{
		"date": systemtest.Date(2026, 11, 18), "class_id": class, "segment": 1, "reason": "停电检修"})
	b.open("#/school?week=2026-11-16&after=1")
	if b.count(marked) == 0 {
		t.Errorf("the cancelled class's cell of 18 November is not marked (marked cells: %d)", b.count(`td.violation`))
	}
	if got, want := b.count(`ol.violations li`), report(); got != want || want == 0 {
		t.Errorf("after: %d violations explained on the page, %d in the API's report", got, want)
	}
	if b.count(`[data-compliant="false"]`) != 1 || !strings.Contains(b.text(`ol.violations`), "120") {
		t.Errorf("the violation is not explained: %q", b.text(`ol.violations`))
	}
	b.screenshot("school-week-grid.png")
	// Delivered hours: a session checked in and out through the API waits
	// for approval on the page; the button approves it.
	grid := admin.MustDo(t, "GET", "/v1/schools/"+school+"/staffing-grid?week_start.year=2026&week_start.month=9&week_start.day=7", nil)
	record := ""
	for _, a := range systemtest.Get(grid, "grid", "assignments").([]any) {
		d := systemtest.Get(a, "date")
		at := func(tod any, dm int) string {
			return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:00+08:00", int(systemtest.Get(d, "year").(float64)), int(systemtest.Get(d, "month").(float64)),
				int(systemtest.Get(d, "day").(float64)), int(systemtest.Get(tod, "hours").(float64)), int(systemtest.Get(tod, "minutes").(float64))+dm)
		}
		in := admin.Do(t, "POST", "/v1/schools/"+school+"/assignments/"+systemtest.Str(a, "assignment_id")+":checkIn", map[string]any{"time": at(systemtest.Get(a, "start"), 0)})
		if in.Code != 200 {
			continue // already recorded by the demo
		}
		record = systemtest.Str(in.Body, "record", "record_id")
		admin.MustDo(t, "POST", "/v1/schools/"+school+"/hour-records/"+record+":checkOut", map[string]any{"time": at(systemtest.Get(a, "end"), 0)})
		break
	}
	if record == "" {
		t.Fatal("no assignment of the demo's first week could be checked in")
	}
	b.open("#/school/hours?week=2026-09-07")
	cell := fmt.Sprintf(`td[data-record=%q]`, record)
	if b.count(cell+`[data-status="checked_out"] button.approve`) != 1 {
		t.Fatalf("the checked-out record %s has no approve button: %q", record, b.text(cell))
	}
	b.do(chromedp.Click(chromedp.CSS(cell+` button.approve`)),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector('%s').dataset.status === 'approved'`, cell), chromedp.WithPollingTimeout(30*time.Second)))
	b.screenshot("school-hours.png")

	b.open("#/school/staffing?week=2026-09-07")
	if b.count(`svg.chart rect`) == 0 {
		t.Error("no periods-per-person chart on the staffing page")
	}
	b.screenshot("school-staffing.png")

	// A roster checked on the import page (a dry run, so the demo stays as
	// it is): the progress bar ends at 100% and the report is the API's
	// job — two new students and a bad phone named by row and column.
	className := systemtest.Str(classes[0], "name")
	csv := filepath.Join(t.TempDir(), "名册.csv")
	if err := os.WriteFile(csv, []byte("学籍号,姓名,班级,监护人1姓名,监护人1电话\n"+
		"G350402201601019991,网页导入甲,"+className+",甲家长,13812340001\n"+
		"G350402201601019992,网页导入乙,"+className+",乙家长,13812340002\n"+
		"G350402201601019993,网页导入丙,"+className+",丙家长,1381234abcd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.open("#/school/imports")
	b.do(chromedp.SetUploadFiles(chromedp.CSS(`form.import-form input[name=file]`), []string{csv}),
		chromedp.Click(chromedp.CSS(`form.import-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('.import-report')`, chromedp.WithPollingTimeout(30*time.Second)))
	if got := b.text(`form.import-form .progress`); !strings.Contains(got, "100%") {
		t.Errorf("the import's progress ends at %q, want 100%%", got)
	}
	importID := evalJS[string](b, `document.querySelector('.import-report').dataset.importId`)
	job := admin.MustDo(t, "GET", "/v1/schools/"+school+"/imports/"+importID, nil)
	for sel, field := range map[string]string{"rows": "rows", "new": "new_rows", "rejected": "rejected_rows"} {
		n, _ := systemtest.Get(job, "import", "report", field).(float64)
		if got := b.text(`.import-report [data-count="` + sel + `"]`); got != fmt.Sprint(int(n)) {
			t.Errorf("import report %s: %q on the page, %v in the API", field, got, n)
		}
	}
	if b.count(`.import-report tr.import-error`) == 0 || !strings.Contains(b.text(`.import-report tr.import-error`), "监护人1电话") {
		t.Errorf("the bad phone is not named: %q", b.text(`.import-report`))
	}
	b.screenshot("school-import.png")
}

// webFinance: the finance officer downloads the claims workbook and it
// holds the API's claims; the public statement prints to a PDF with the
// school's totals.
func webFinance(t *testing.T, b tab, env *systemtest.Env, shots, school, term string) {
	fin := env.As(env.SignIn(t, "demo.finance", demoPassword))
	b.signIn("demo.finance")
	b.open("#/finance?from=2026-09-01&to=2027-08-31")

	// A fee run from the page: a bad month is named next to its field; a
	// good one shows the run the API then returns.
	evalJS[int](b, fmt.Sprintf(`const s = document.querySelector('form.new-run [name=school_id]'); s.value = %q;
		s.dispatchEvent(new Event('change')); document.querySelector('form.new-run [name=month]').value = '2026-13'; 1`, school))
	b.do(chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector('form.new-run [name=term_id]').value === %q`, term), chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Click(chromedp.CSS(`form.new-run button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('form.new-run .field-error[data-field="month"]')`, chromedp.WithPollingTimeout(30*time.Second)))
	if msg := b.text(`form.new-run .field-error[data-field="month"]`); !strings.Contains(msg, "月份") {
		t.Errorf("the bad month's message %q is not the Chinese one", msg)
	}
	evalJS[int](b, `document.querySelector('form.new-run [name=month]').value = '2026-10'; 1`)
	b.do(chromedp.Click(chromedp.CSS(`form.new-run button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('form.new-run .run-result').dataset.runId || document.querySelector('form.new-run .form-error')`, chromedp.WithPollingTimeout(60*time.Second)))
	runID := evalJS[string](b, `document.querySelector('form.new-run .run-result').dataset.runId || ''`)
	if runID == "" {
		t.Fatalf("the fee run from the page failed: %s", b.text(`form.new-run`))
	}
	run := fin.MustDo(t, "GET", "/v1/districts/"+DemoDistrictID+"/fee-runs/"+runID, nil)
	if shown, want := b.text(`form.new-run .run-result`), yuanText(systemtest.Str(run, "run", "parent_total", "amount")); !strings.Contains(shown, want) {
		t.Errorf("the new run shows %q, the API's parents' total is %s", shown, want)
	}
	b.screenshot("finance-home.png")
	claims := fin.MustDo(t, "GET", "/v1/districts/"+DemoDistrictID+"/claims?from.year=2026&from.month=9&from.day=1&to.year=2027&to.month=8&to.day=31", nil)
	b.open("#/finance?from=2026-09-01&to=2027-08-31&again=1")

	dir := t.TempDir()
	guid := downloadOne(t, b, dir, `button[data-action="claims-xlsx"]`)
	wb, err := excelize.OpenFile(filepath.Join(dir, guid))
	if err != nil {
		t.Fatalf("open the downloaded workbook: %v", err)
	}
	defer func() { _ = wb.Close() }()
	rows, err := wb.GetRows(wb.GetSheetName(0), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		if len(r) >= 4 {
			got[r[2]] = r[3]
		}
	}
	want := map[string]string{"parent": systemtest.Str(claims, "parent", "amount")}
	for _, kind := range []string{"subsidies", "waivers"} {
		for _, c := range systemtest.Get(claims, kind).([]any) {
			want[systemtest.Str(c, "party_id")] = systemtest.Str(c, "amount", "amount")
		}
	}
	if len(want) < 3 {
		t.Fatalf("the demo's claims have %d payers: %v", len(want), want)
	}
	for party, amount := range want {
		if g, err := decimal.NewFromString(got[party]); err != nil || !g.Equal(decimal.RequireFromString(amount)) {
			t.Errorf("workbook: %s = %q, the API says %q (rows %v)", party, got[party], amount, rows)
		}
	}

	// The server's claims export (claims:export) opens and holds every
	// paying party's amount the API gives (a claim is a payer's; the
	// parents' share is not claimed from anyone).
	sguid := downloadOne(t, b, dir, `button[data-action="claims-export"]`)
	cwb, err := excelize.OpenFile(filepath.Join(dir, sguid))
	if err != nil {
		t.Fatalf("open the server's claims export: %v", err)
	}
	defer func() { _ = cwb.Close() }()
	var cells []decimal.Decimal
	for _, sh := range cwb.GetSheetList() {
		rows, _ := cwb.GetRows(sh, excelize.Options{RawCellValue: true})
		for _, r := range rows {
			for _, c := range r {
				if d, err := decimal.NewFromString(strings.TrimSpace(c)); err == nil {
					cells = append(cells, d)
				}
			}
		}
	}
	for party, amount := range want {
		if party == "parent" {
			continue
		}
		if !slices.ContainsFunc(cells, func(d decimal.Decimal) bool { return d.Equal(decimal.RequireFromString(amount)) }) {
			t.Errorf("the server's claims export has no cell with %s's %s", party, amount)
		}
	}

	// The demo's September pay run of the school, looked up by the id on
	// the demo teacher's statement: the page's totals are the API's.
	dt := env.As(env.SignIn(t, "demo.teacher", demoPassword))
	dtStaff := systemtest.Str(dt.MustDo(t, "GET", "/v1/me", nil), "account", "staff_id")
	dtPay := dt.MustDo(t, "GET", "/v1/schools/"+school+"/staff/"+dtStaff+"/pay-statements?year=2026&month=9", nil)
	payRun := systemtest.Str(dtPay, "statements", 0, "run_id")
	pr := fin.MustDo(t, "GET", "/v1/schools/"+school+"/pay-runs/"+payRun, nil)
	b.open("#/finance?school=" + school + "&pay_run=" + payRun)
	for _, k := range [][2]string{{"earned", "earned"}, {"paid", "paid"}, {"held-back", "held_back"}} {
		if got, want := b.text(`table.pay-run-summary [data-total="`+k[0]+`"]`), yuanText(systemtest.Str(pr, "run", k[1])); got != want || got == "" {
			t.Errorf("pay run %s: %s %q on the page, %q from the API", payRun, k[1], got, want)
		}
	}
	// The school's pay runs are listed (the API's list, newest first),
	// and so are the district's fee runs.
	prs := fin.MustDo(t, "GET", "/v1/schools/"+school+"/pay-runs", nil)["runs"].([]any)
	if got := b.count(`table.pay-run-list tbody tr`); got != len(prs) || got == 0 {
		t.Errorf("pay run list: %d rows on the page, %d runs from the API", got, len(prs))
	}
	if got := b.count(`table.pay-run-list [data-run-id="` + payRun + `"]`); got != 1 {
		t.Errorf("pay run list: run %s shown %d times, want once", payRun, got)
	}
	frs := fin.MustDo(t, "GET", "/v1/districts/"+DemoDistrictID+"/fee-runs", nil)["runs"].([]any)
	if got := b.count(`table.fee-run-list tbody tr`); got != len(frs) || got == 0 {
		t.Errorf("fee run list: %d rows on the page, %d runs from the API", got, len(frs))
	}
	b.screenshot("finance-pay-run.png")

	// The district's September rolled up over its schools: a row per
	// school and the district's totals as the API gives them.
	dr := fin.MustDo(t, "GET", "/v1/districts/"+DemoDistrictID+"/reconciliation?year=2026&month=9", nil)
	b.open("#/finance/district?month=2026-09")
	drSchools, _ := systemtest.Get(dr, "schools").([]any)
	if got := b.count(`table.district-recon tbody tr`); got != len(drSchools)+1 || len(drSchools) == 0 {
		t.Errorf("district reconciliation: %d rows on the page, %d schools from the API (+ the total)", got, len(drSchools))
	}
	for _, k := range []string{"income", "spending"} {
		if got, want := b.text(`table.district-recon tr[data-school="total"] [data-total="`+k+`"]`), yuanText(systemtest.Str(dr, "total", k, "total")); got != want {
			t.Errorf("district %s %q on the page, %q from the API", k, got, want)
		}
	}
	b.screenshot("finance-district.png")

	// Reconciliation of the school's September: the page's income and
	// spending totals and discrepancies are the API's, and its workbook
	// holds the same income total.
	rec := fin.MustDo(t, "GET", "/v1/schools/"+school+"/reconciliation?year=2026&month=9", nil)
	b.open("#/finance/reconciliation?school=" + school + "&month=2026-09")
	if got, want := b.text(`[data-total="income"]`), yuanText(systemtest.Str(rec, "reconciliation", "income", "total")); got != want {
		t.Errorf("reconciliation income %q on the page, %q from the API", got, want)
	}
	if got, want := b.text(`[data-total="spending"]`), yuanText(systemtest.Str(rec, "reconciliation", "spending", "total")); got != want {
		t.Errorf("reconciliation spending %q on the page, %q from the API", got, want)
	}
	ds, _ := systemtest.Get(rec, "reconciliation", "discrepancies").([]any)
	if got := b.count(`tr.discrepancy`); got != len(ds) {
		t.Errorf("%d discrepancies on the page, %d from the API", got, len(ds))
	}
	b.screenshot("finance-reconciliation.png")
	guid2 := downloadOne(t, b, dir, `button[data-action="recon-xlsx"]`)
	rwb, err := excelize.OpenFile(filepath.Join(dir, guid2))
	if err != nil {
		t.Fatalf("open the reconciliation workbook: %v", err)
	}
	defer func() { _ = rwb.Close() }()
	rrows, err := rwb.GetRows(rwb.GetSheetName(0), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	total := ""
	for _, r := range rrows {
		if len(r) >= 3 && r[1] == "total" {
			total = r[2]
		}
	}
	if g, err := decimal.NewFromString(total); err != nil || !g.Equal(decimal.RequireFromString(systemtest.Str(rec, "reconciliation", "income", "total"))) {
		t.Errorf("reconciliation workbook income total %q, the API %s", total, systemtest.Str(rec, "reconciliation", "income", "total"))
	}

	// The server's export of the same reconciliation opens and carries the income total.
	guid3 := downloadOne(t, b, dir, `button[data-action="recon-export"]`)
	swb, err := excelize.OpenFile(filepath.Join(dir, guid3))
	if err != nil {
		t.Fatalf("open the server's reconciliation export: %v", err)
	}
	defer func() { _ = swb.Close() }()
	income := decimal.RequireFromString(systemtest.Str(rec, "reconciliation", "income", "total"))
	seen := false
	for _, sh := range swb.GetSheetList() {
		rows, _ := swb.GetRows(sh, excelize.Options{RawCellValue: true})
		for _, r := range rows {
			for _, c := range r {
				if d, err := decimal.NewFromString(c); err == nil && d.Equal(income) {
					seen = true
				}
			}
		}
	}
	if !seen {
		t.Errorf("the server's reconciliation export has no cell with the income total %s", income)
	}

	bal := fin.MustDo(t, "GET", "/v1/schools/"+school+"/balance", nil)
	charged := yuanText(systemtest.Str(bal, "balance", "charged", "amount"))
	received := yuanText(systemtest.Str(bal, "balance", "received", "amount"))
	b.open("#/finance/public?school=" + school)
	if got := b.text(`[data-total="charged"]`); got != charged {
		t.Errorf("public statement: charged %q, the API says %q", got, charged)
	}
	b.screenshot("finance-public-statement.png")
	pdf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	pdfPath := filepath.Join(shots, "finance-public-statement.pdf")
	if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils; scripts/browser.sh ensure installs it): %v", err)
	}
	text := string(out)
	for _, want := range []string{charged, received, "收支公示"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed public statement lacks %q:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"退出", "English"} { // the top bar is not printed
		if strings.Contains(text, unwanted) {
			t.Errorf("the printed public statement shows the navigation (%q)", unwanted)
		}
	}
	raw, _ := json.Marshal(want)
	t.Logf("claims from the API, checked in the workbook: %s; printed PDF %d bytes", raw, len(pdf))
}

// webTeacher: a teacher's account made by the school administrator signs in
// and sees their week of the demo's solved first week, entry for entry.
func webTeacher(t *testing.T, b tab, env *systemtest.Env, school string) {
	admin := env.As(env.SignIn(t, "demo.school", demoPassword))
	grid := admin.MustDo(t, "GET", "/v1/schools/"+school+"/staffing-grid?week_start.year=2026&week_start.month=9&week_start.day=7", nil)
	assignments := systemtest.Get(grid, "grid", "assignments").([]any)
	if len(assignments) == 0 {
		t.Fatal("the demo's first week has no assignments")
	}
	// Someone other than the demo teacher, whose first week the demo has
	// worked and locked for its pay run.
	demoTeacherStaff := systemtest.Str(env.As(env.SignIn(t, "demo.teacher", demoPassword)).MustDo(t, "GET", "/v1/me", nil), "account", "staff_id")
	staff := ""
	for _, a := range assignments {
		if id := systemtest.Str(a, "staff_id"); id != demoTeacherStaff {
			staff = id
			break
		}
	}
	admin.MustDo(t, "POST", "/v1/districts/"+DemoDistrictID+"/accounts", map[string]any{"role": "ROLE_TEACHER", "user_name": "web.teacher",
		"display_name": "网页测试老师", "school_id": school, "staff_id": staff, "one_time_password": "kehou-first-1"})
	env.As("").MustDo(t, "POST", "/v1/auth/password", map[string]any{"login": "web.teacher", "current_password": "kehou-first-1", "new_password": demoPassword})
	week := env.As(env.SignIn(t, "web.teacher", demoPassword)).MustDo(t, "GET",
		"/v1/schools/"+school+"/staff/"+staff+"/timetable?from.year=2026&from.month=9&from.day=7&to.year=2026&to.month=9&to.day=13", nil)
	entries, _ := systemtest.Get(week, "entries").([]any)
	b.signIn("web.teacher")
	b.open("#/teacher?week=2026-09-07")
	if got := b.count(`table.week-entries tr.entry`); got != len(entries) || got == 0 {
		t.Errorf("the teacher's week shows %d sessions, the API %d", got, len(entries))
	}
	// Check in and out of a session from the page; the API then has the
	// record checked out.
	cell := `table.week-entries td.clock[data-status="none"]`
	if b.count(cell) == 0 {
		t.Fatal("no session of the teacher's week is left to check in")
	}
	idx := evalJS[int](b, fmt.Sprintf(`[...document.querySelectorAll('table.week-entries td.clock')].indexOf(document.querySelector('%s'))`, cell))
	nth := fmt.Sprintf(`document.querySelectorAll('table.week-entries td.clock')[%d]`, idx)
	evalJS[int](b, nth+`.querySelector('button.clock-step').click(); 1`)
	b.do(chromedp.Poll[chromedp.Void](nth+`.dataset.status === 'draft'`, chromedp.WithPollingTimeout(30*time.Second)))
	evalJS[int](b, nth+`.querySelector('button.clock-step').click(); 1`)
	b.do(chromedp.Poll[chromedp.Void](nth+`.dataset.status === 'checked_out'`, chromedp.WithPollingTimeout(30*time.Second)))
	rec := evalJS[string](b, nth+`.dataset.record`)
	after := admin.MustDo(t, "GET", "/v1/schools/"+school+"/staff/"+staff+"/timetable?from.year=2026&from.month=9&from.day=7&to.year=2026&to.month=9&to.day=13", nil)
	found := false
	for _, e := range systemtest.Get(after, "entries").([]any) {
		if systemtest.Str(e, "record", "record_id") == rec {
			found = systemtest.Str(e, "record", "status") == "checked_out"
		}
	}
	if !found {
		t.Errorf("record %s checked out on the page is not checked out in the API", rec)
	}
	b.open("#/finance")
	if b.count(`[data-denied="1"]`) != 1 {
		t.Error("a teacher opened the finance page")
	}
	b.open("#/teacher?week=2026-09-07")
	b.screenshot("teacher-week.png")

	// The demo teacher's September pay statement (the demo's pay run):
	// every line on the page, the first explained, totals as the API's.
	demoTeacher := env.As(env.SignIn(t, "demo.teacher", demoPassword))
	mine := systemtest.Str(demoTeacher.MustDo(t, "GET", "/v1/me", nil), "account", "staff_id")
	pay := demoTeacher.MustDo(t, "GET", "/v1/schools/"+school+"/staff/"+mine+"/pay-statements?year=2026&month=9", nil)
	sts, _ := systemtest.Get(pay, "statements").([]any)
	if len(sts) == 0 {
		t.Fatal("the demo teacher has no September pay statement")
	}
	b.signIn("demo.teacher")
	b.open("#/teacher?week=2026-09-07&month=2026-09")
	if got, want := b.text(`.pay-total [data-total="paid"]`), yuanText(systemtest.Str(pay, "paid_total")); got != want {
		t.Errorf("the teacher's September paid %q on the page, %q from the API", got, want)
	}
	if got, want := b.text(`.pay-total [data-total="held-back"]`), yuanText(systemtest.Str(pay, "held_back_total")); got != want {
		t.Errorf("the teacher's September held back %q on the page, %q from the API", got, want)
	}
	for _, st := range sts {
		sel := fmt.Sprintf(`section.pay-statement[data-statement-id=%q]`, systemtest.Str(st, "statement_id"))
		lines, _ := systemtest.Get(st, "lines").([]any)
		if got := b.count(sel + ` tr[data-line]`); got != len(lines) || got == 0 {
			t.Errorf("statement %s: %d lines on the page, %d from the API", systemtest.Str(st, "statement_id"), got, len(lines))
			continue
		}
		if got, want := b.text(sel+` [data-total="earned"]`), yuanText(systemtest.Str(st, "earned")); got != want {
			t.Errorf("statement %s: earned %q on the page, %q from the API", systemtest.Str(st, "statement_id"), got, want)
		}
		for i, l := range lines {
			row := b.text(fmt.Sprintf(`%s tr[data-line="%d"]`, sel, i+1))
			for _, want := range []string{yuanText(systemtest.Str(l, "amount")), systemtest.Str(l, "rule_id"), systemtest.Str(l, "document_no"), systemtest.Str(l, "start")} {
				if !strings.Contains(row, want) {
					t.Errorf("pay line %d %q does not show %q", i+1, row, want)
				}
			}
		}
	}
	b.screenshot("teacher-pay.png")
}

// downloadOne clicks the button and waits for the one file it downloads
// into dir; it returns the file's name there.
func downloadOne(t *testing.T, b tab, dir, button string) string {
	t.Helper()
	dctx, stop := context.WithCancel(b.ctx)
	defer stop()
	progress := chromedp.Events(dctx, browser.DownloadProgress)
	done := make(chan string, 1)
	go func() {
		for ev, err := range progress {
			if err != nil {
				return
			}
			if ev.State == browser.DownloadProgressStateCompleted {
				done <- ev.GUID
				return
			}
		}
	}()
	b.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true)})
		return err
	}), chromedp.Click(chromedp.CSS(button)))
	select {
	case guid := <-done:
		return guid
	case <-time.After(30 * time.Second):
		t.Fatalf("%s downloaded nothing", button)
		return ""
	}
}
