package school

import "time"

// ImportReport is what an import found in a file and did with it: the
// counts, a line per bad row and what each changed row changes. Lists are
// capped at MaxReportLines; the counts are exact.
type ImportReport struct {
	Rows      int          `json:"rows"`
	New       int          `json:"new"`
	Changed   int          `json:"changed"`
	Unchanged int          `json:"unchanged"`
	Rejected  int          `json:"rejected"`
	Applied   bool         `json:"applied"`
	Errors    []RowError   `json:"errors,omitempty"`
	Changes   []RowChange  `json:"changes,omitempty"`
	Failure   string       `json:"failure,omitempty"`
	FailureZh string       `json:"failure_zh,omitempty"`
	Encoding  string       `json:"encoding,omitempty"`
	rejected  map[int]bool // rows with at least one error
}

// MaxReportLines caps the errors and changes a report lists, so a report
// of a 50,000-row file stays small; the counts still cover every row.
const MaxReportLines = 1000

// RowError is one thing wrong with one row.
type RowError struct {
	Row      int    `json:"row"`
	Column   string `json:"column"`
	Value    string `json:"value"`
	Reason   string `json:"reason"`
	ReasonZh string `json:"reason_zh"`
}

// RowChange is a row that changes an existing record, field by field.
type RowChange struct {
	Row    int           `json:"row"`
	Key    string        `json:"key"`
	Fields []FieldChange `json:"fields"`
}

// FieldChange is one changed field, by its column header.
type FieldChange struct {
	Column string `json:"column"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

// Reject records an error of a row; a row counts as rejected once however
// many errors it has.
func (r *ImportReport) Reject(e RowError) {
	if r.rejected == nil {
		r.rejected = map[int]bool{}
	}
	if !r.rejected[e.Row] {
		r.rejected[e.Row] = true
		r.Rejected++
	}
	if len(r.Errors) < MaxReportLines {
		r.Errors = append(r.Errors, e)
	}
}

// RowRejected reports whether row already has an error.
func (r *ImportReport) RowRejected(row int) bool { return r.rejected[row] }

// Change records a changed row.
func (r *ImportReport) Change(c RowChange) {
	r.Changed++
	if len(r.Changes) < MaxReportLines {
		r.Changes = append(r.Changes, c)
	}
}

// Import job states.
const (
	ImportRunning   = "running"
	ImportSucceeded = "succeeded"
	ImportRejected  = "rejected"
	ImportFailed    = "failed"
)

// ImportJob is one uploaded file's import.
type ImportJob struct {
	ID         string
	Kind       string
	DryRun     bool
	FileName   string
	State      string
	Percent    int
	Report     *ImportReport
	CreatedBy  string
	CreateTime time.Time
	FinishTime time.Time
}

// reasonsZh are the Chinese of the rules' English reasons, beside the rules
// so a new rule gets its translation in the same change.
var reasonsZh = map[string]string{
	"must not be blank":                      "不能为空",
	"must be set":                            "必填",
	"must be at most 50 characters":          "不能超过 50 个字",
	"must be at most 20 characters":          "不能超过 20 个字",
	"must be 6 to 32 letters and digits":     "应为 6 到 32 位字母或数字",
	"at least one guardian is required":      "至少需要一位监护人",
	"at most 4 guardians":                    "最多 4 位监护人",
	"must be 5 to 20 digits, +, - or spaces": "应为 5 到 20 位数字（可含 +、- 或空格）",
	"is not a known hardship category":       "不是已知的困难类别",
	"must be between 2000 and 2100":          "应在 2000 年到 2100 年之间",
	"must be 1 to 9":                         "应为 1 到 9",
	"must not be negative":                   "不能为负数",
	"must be positive":                       "应为正数",
	"must be at most 2000":                   "不能超过 2000",
	"is not a known room kind":               "不是已知的教室类型",
	"is not a known activity kind":           "不是已知的活动类型",
	"must be school or institution":          "应为“学校”或“校外机构”",
	"must be at most 500":                    "不能超过 500",
	"at least one grade":                     "至少一个年级",
	"must be 1 to 7":                         "应为 1 到 7",
	"is required for an institution's club":  "校外机构的社团须填写机构编号",
	"must be empty for a school's own club":  "学校自办的社团不填机构编号",
}

// ReasonZh is the Chinese of one of the rules' reasons ("" when it has none).
func ReasonZh(reason string) string { return reasonsZh[reason] }

// StudentFeed yields the valid rows of a roster, one at a time.
type StudentFeed interface {
	Next() bool
	Student() (row int, st Student)
}

// Duplicate is a row whose 学籍号 an earlier row of the file already has.
type Duplicate struct {
	Row, FirstRow int
	Number        string
}

// StudentMerge is what the store found: counts and the changes (capped).
type StudentMerge struct {
	New, Changed, Unchanged int
	Changes                 []StudentChange
}

// StudentChange is a row and the record it changes.
type StudentChange struct {
	Row      int
	Old, New Student
}
