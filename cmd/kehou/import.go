package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

const importUsage = `usage: kehou import <kind> <file> --school ID [--term ID] [--dry-run] [--encoding gbk] [--url URL]
                    [--token TOKEN | --login NAME (password from KEHOU_PASSWORD)]
       kehou import fee_schedules|rate_tables <file> --district ID [--school ID] [--dry-run] …
  kind: students, classes, rooms or clubs (of --term) into a school (timetable's); staff into a school and
  institutions into a district (staffing's); fee_schedules or rate_tables into a district (--school: that
  school's own only; billing's); file: .xlsx or .csv. It uploads through the gateway's
  POST /v1/imports (billing's kinds: POST /v1/billing/imports), the same path as any HTTP client, shows
  progress and prints the report.`

// districtKinds are billing's kinds, imported into a district (and
// optionally one school's own versions) on billing's upload route.
var districtKinds = map[string]bool{"fee_schedules": true, "rate_tables": true, "institutions": true}

// importCmd runs `kehou import` against a running system.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kehou import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, importUsage) }
	base := fs.String("url", envOr(getenv, "KEHOU_URL", "http://127.0.0.1:8080"), "the gateway's URL (KEHOU_URL)")
	token := fs.String("token", getenv("KEHOU_TOKEN"), "an access token (KEHOU_TOKEN)")
	login := fs.String("login", getenv("KEHOU_LOGIN"), "sign in as this account, password from KEHOU_PASSWORD")
	schoolID := fs.String("school", getenv("KEHOU_SCHOOL"), "the school to import into (KEHOU_SCHOOL)")
	districtID := fs.String("district", getenv("KEHOU_DISTRICT"), "the district, for fee_schedules and rate_tables (KEHOU_DISTRICT)")
	dry := fs.Bool("dry-run", false, "check and report only; write nothing")
	encoding := fs.String("encoding", "", "a CSV's encoding when not detected: utf-8 or gbk")
	term := fs.String("term", "", "the term, for clubs")
	var pos []string
	for len(args) > 0 { // flags may come before, between or after the two arguments
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) > 0 {
			pos, args = append(pos, args[0]), args[1:]
		}
	}
	if len(pos) != 2 {
		fs.Usage()
		return errors.New("kehou import needs a kind and a file")
	}
	kind, path := pos[0], pos[1]
	route := "/v1/imports"
	switch {
	case districtKinds[kind] && *districtID == "":
		fs.Usage()
		return errors.New("kehou import " + kind + " needs --district")
	case kind == "institutions": // staffing's, on the shared route
	case districtKinds[kind]:
		route = "/v1/billing/imports"
	case *schoolID == "":
		fs.Usage()
		return errors.New("kehou import needs a kind, a file and --school")
	}
	cl := &http.Client{Timeout: 10 * time.Minute}
	if *token == "" {
		if *login == "" {
			return errors.New("give --token, or --login with the password in KEHOU_PASSWORD")
		}
		t, err := signIn(ctx, cl, *base, *login, getenv("KEHOU_PASSWORD"))
		if err != nil {
			return err
		}
		*token = t
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	bar := &progressBar{w: stderr}
	body := &countingBody{r: f, total: st.Size(), bar: bar}
	q := url.Values{"school_id": {*schoolID}, "kind": {kind}, "file_name": {filepath.Base(path)}, "encoding": {*encoding}, "term_id": {*term}}
	if districtKinds[kind] {
		q.Set("district_id", *districtID)
		q.Del("term_id")
	}
	if *dry {
		q.Set("dry_run", "true")
	}
	req, err := http.NewRequestWithContext(ctx, "POST", *base+route+"?"+q.Encode(), body)
	if err != nil {
		return err
	}
	req.ContentLength = st.Size()
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+*token)
	var job importJob
	hdr, err := callHeader(cl, req, &job)
	if err != nil {
		return err
	}
	// The job's URL is the answer's Location (a school's or a district's).
	jobURL := hdr.Get("Location")
	if jobURL == "" {
		jobURL = "/v1/schools/" + url.PathEscape(*schoolID) + "/imports/" + url.PathEscape(job.Import.ImportID)
	}
	bar.show("上传 upload", 100)
	for job.Import.State == "IMPORT_STATE_RUNNING" {
		bar.show("导入 import", job.Import.Percent)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		req, err := http.NewRequestWithContext(ctx, "GET", *base+jobURL, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+*token)
		if err := call(cl, req, &job); err != nil {
			return err
		}
	}
	bar.show("导入 import", 100)
	fmt.Fprintln(stderr)
	return printReport(stdout, job)
}

type importJob struct {
	Import struct {
		ImportID string `json:"import_id"`
		State    string `json:"state"`
		Percent  int    `json:"percent"`
		Report   struct {
			Rows      int  `json:"rows"`
			New       int  `json:"new_rows"`
			Changed   int  `json:"changed_rows"`
			Unchanged int  `json:"unchanged_rows"`
			Rejected  int  `json:"rejected_rows"`
			Applied   bool `json:"applied"`
			Errors    []struct {
				Row           int
				Column, Value string
				Reason        string
				ReasonZh      string `json:"reason_zh"`
			} `json:"errors"`
			Changes []struct {
				Row    int
				Key    string
				Fields []struct {
					Column   string
					OldValue string `json:"old_value"`
					NewValue string `json:"new_value"`
				}
			} `json:"changes"`
			Failure   string `json:"failure"`
			FailureZh string `json:"failure_zh"`
		} `json:"report"`
	} `json:"import"`
}

func printReport(w io.Writer, job importJob) error {
	r := job.Import.Report
	fmt.Fprintf(w, "%d rows: %d new, %d changed, %d unchanged, %d rejected\n", r.Rows, r.New, r.Changed, r.Unchanged, r.Rejected)
	for _, c := range r.Changes {
		var fs []string
		for _, f := range c.Fields {
			fs = append(fs, fmt.Sprintf("%s %q → %q", f.Column, f.OldValue, f.NewValue))
		}
		fmt.Fprintf(w, "  row %d (%s) changes %s\n", c.Row, c.Key, strings.Join(fs, ", "))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  row %d, %s %q: %s (%s)\n", e.Row, e.Column, e.Value, e.ReasonZh, e.Reason)
	}
	switch {
	case job.Import.State == "IMPORT_STATE_FAILED":
		return fmt.Errorf("import failed: %s (%s)", r.FailureZh, r.Failure)
	case r.Rejected > 0:
		return fmt.Errorf("%d rows rejected: nothing was written (有 %d 行有误，未写入任何数据)", r.Rejected, r.Rejected)
	case r.Applied:
		fmt.Fprintln(w, "applied (已导入)")
	default:
		fmt.Fprintln(w, "dry run: nothing written (试运行，未写入)")
	}
	return nil
}

// call sends req and decodes a 2xx JSON answer into out; otherwise the
// error is the API's message.
func call(cl *http.Client, req *http.Request, out any) error {
	_, err := callHeader(cl, req, out)
	return err
}

// callHeader is call that also returns the answer's headers.
func callHeader(cl *http.Client, req *http.Request, out any) (http.Header, error) {
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Message string }
		if json.Unmarshal(b, &e) == nil && e.Message != "" {
			return nil, fmt.Errorf("%s: %d %s", req.URL.Path, resp.StatusCode, e.Message)
		}
		return nil, fmt.Errorf("%s: %d %s", req.URL.Path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return resp.Header, json.Unmarshal(b, out)
}

func signIn(ctx context.Context, cl *http.Client, base, login, password string) (string, error) {
	b, _ := json.Marshal(map[string]string{"login": login, "password": password})
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/v1/auth/sign-in", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := call(cl, req, &out); err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	return out.AccessToken, nil
}

// progressBar draws one line, redrawn in place: "label [#####     ] 50%".
type progressBar struct {
	w    io.Writer
	last string
}

func (p *progressBar) show(label string, percent int) {
	percent = max(0, min(100, percent))
	n := percent / 5
	line := fmt.Sprintf("\r%s [%s%s] %3d%%", label, strings.Repeat("#", n), strings.Repeat(" ", 20-n), percent)
	if line != p.last {
		p.last = line
		fmt.Fprint(p.w, line)
	}
}

// countingBody shows the upload's progress as the HTTP client reads it.
type countingBody struct {
	r     io.Reader
	n     atomic.Int64
	total int64
	bar   *progressBar
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	done := c.n.Add(int64(n))
	if c.total > 0 {
		c.bar.show("上传 upload", int(done*100/c.total))
	}
	return n, err
}
