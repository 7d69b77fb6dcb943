package school

import "github.com/kehou/kehou/services/platform/importjob/report"

// The report and job shapes are every service's (platform/importjob/report);
// these names keep the roster code's vocabulary.
type (
	ImportReport = report.Report
	RowError     = report.RowError
	RowChange    = report.RowChange
	FieldChange  = report.FieldChange
	ImportJob    = report.Job
)

// MaxReportLines caps the errors and changes a report lists.
const MaxReportLines = report.MaxReportLines

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
