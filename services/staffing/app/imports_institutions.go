package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/platform/sheet"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// KindInstitutions is staffing's district kind: the outside institutions
// (第三方机构) a district's bureau approves, and the schools each serves.
// Their instructors are staff (kind 第三方机构人员 with the 机构编号).
const KindInstitutions = "institutions"

// institutionColumns is the institution list layout.
var institutionColumns = []sheet.Field{
	{Chinese: "统一社会信用代码", English: "Licence number", Required: true},
	{Chinese: "机构名称", English: "Name", Required: true},
	{Chinese: "执照起始日", English: "Licence valid from", Required: true},
	{Chinese: "执照截止日", English: "Licence valid until", Required: true},
	{Chinese: "已批准", English: "Approved", Required: true},
	{Chinese: "服务学校", English: "Schools"},
	{Chinese: "机构编号", English: "Institution id"},
}

const (
	icolLicence = iota
	icolName
	icolFrom
	icolUntil
	icolApproved
	icolSchools
	icolID
)

func institutionCells(in staff.Institution) []string {
	approved := "否"
	if in.Approved {
		approved = "是"
	}
	schools := slices.Clone(in.SchoolIDs)
	slices.Sort(schools)
	return []string{in.LicenceNo, in.Name, in.ValidFrom.String(), in.ValidUntil.String(), approved, strings.Join(schools, "、"), in.ID}
}

// institutionColumn maps a validation field of an institution to its column.
func institutionColumn(field string) int {
	switch {
	case field == "institution.name":
		return icolName
	case field == "institution.licence_no":
		return icolLicence
	case field == "institution.licence_valid_until":
		return icolUntil
	case strings.HasPrefix(field, "institution.school_ids"):
		return icolSchools
	}
	return icolLicence
}

var institutionReasonsZh = map[string]string{
	"must not be blank":                              "不能为空",
	"must not be before licence_valid_from":          "截止日不能早于起始日",
	"must be 是 or 否":                                 "应为“是”或“否”",
	"not a date: write it as 2024-01-01":             "不是有效日期：请写成 2024-01-01",
	"an institution's id cannot change":              "机构编号不能改",
	"no institution of this id":                      "本区没有这个机构编号",
	"the same licence number as another row":         "与另一行的统一社会信用代码重复",
	"must be approved and licensed to serve schools": "须已批准且执照在有效期内才能为学校服务",
}

func institutionReasonZh(reason string) string {
	if zh, ok := institutionReasonsZh[reason]; ok {
		return zh
	}
	switch {
	case strings.HasPrefix(reason, "unknown school"):
		return "没有这所学校"
	case strings.Contains(reason, "is not in district"):
		return "该学校不在本区"
	case strings.Contains(reason, "is listed twice"):
		return "学校重复"
	case strings.HasPrefix(reason, "institution_school_cap"):
		return "超过本区每个机构可服务学校数的上限"
	}
	return reason
}

// importInstitutions checks every row with the single-record rules
// (Institution.Validate as CreateInstitution and UpdateInstitution; the
// schools as UpdateInstitution: schools of the district, none twice, new
// ones only for an approved institution licensed today, within the
// district cap), matches institutions by 统一社会信用代码 (licence_no,
// unique in the district) and writes them all in one transaction. The
// courses stay as recorded (a new institution has none until added).
func (a *App) importInstitutions(ctx context.Context, districtID string, rd *sheet.Reader, o ImportOptions, progress func(float64)) (importjob.Report, error) {
	rep := importjob.Report{Encoding: importjob.Encoding(rd)}
	existing, err := a.store.ListInstitutions(ctx, districtID, nil)
	if err != nil {
		return rep, err
	}
	capN, err := a.store.DistrictSchoolCap(ctx, districtID)
	if err != nil {
		return rep, err
	}
	byLicence, byID := map[string]staff.Institution{}, map[string]staff.Institution{}
	for _, in := range existing {
		byLicence[in.LicenceNo], byID[in.ID] = in, in
	}
	schoolOK := map[string]string{} // school id → "" or why not
	seen := map[string]int{}
	var write []staff.Institution
	for rd.Next() {
		row := rd.Row()
		rep.Rows++
		if rep.Rows > 5000 {
			return rep, &sheet.Error{Kind: sheet.ErrNotSpreadsheet, Reason: "an institution list has at most 5000 rows", ReasonZh: "机构表最多 5000 行"}
		}
		if rep.Rows%50 == 0 {
			progress(rd.Fraction())
		}
		v := row.Values
		reject := func(col int, reason string) {
			rep.Reject(importjob.RowError{Row: row.Line, Column: institutionColumns[col].Chinese, Value: v[col], Reason: reason,
				ReasonZh: institutionReasonZh(reason)})
		}
		in := staff.Institution{DistrictID: districtID, LicenceNo: v[icolLicence], Name: v[icolName]}
		ok := true
		if first, dup := seen[in.LicenceNo]; dup && in.LicenceNo != "" {
			rep.Reject(importjob.RowError{Row: row.Line, Column: institutionColumns[icolLicence].Chinese, Value: v[icolLicence],
				Reason: fmt.Sprintf("the same licence number as row %d", first), ReasonZh: fmt.Sprintf("与第 %d 行的统一社会信用代码重复", first)})
			ok = false
		}
		seen[in.LicenceNo] = row.Line
		datesOK := true
		for _, col := range []int{icolFrom, icolUntil} {
			t, good := sheet.ParseDate(v[col])
			if !good {
				reject(col, "not a date: write it as 2024-01-01")
				ok, datesOK = false, false
				continue
			}
			if col == icolFrom {
				in.ValidFrom = civil.Of(t)
			} else {
				in.ValidUntil = civil.Of(t)
			}
		}
		switch strings.ToLower(v[icolApproved]) {
		case "是", "已批准", "y", "yes", "true", "1":
			in.Approved = true
		case "否", "未批准", "n", "no", "false", "0":
		default:
			reject(icolApproved, "must be 是 or 否")
			ok = false
		}
		in.SchoolIDs = list(v[icolSchools])
		old, found := byLicence[in.LicenceNo]
		switch {
		case v[icolID] != "" && found && v[icolID] != old.ID:
			reject(icolID, "an institution's id cannot change")
			ok = false
		case v[icolID] != "" && !found:
			if o2, ok2 := byID[v[icolID]]; ok2 {
				old, found = o2, true // the licence number changes
			} else {
				reject(icolID, "no institution of this id")
				ok = false
			}
		}
		if found {
			in.ID, in.Courses = old.ID, old.Courses
		}
		if err := in.Validate(); err != nil {
			var ve *fault.ValidationError
			if !errors.As(err, &ve) {
				return rep, err
			}
			for _, viol := range ve.Violations {
				if viol.Field == "institution.licence_valid_until" && !datesOK {
					continue // a date that is no date, already said
				}
				reject(institutionColumn(viol.Field), viol.Reason)
			}
			ok = false
		}
		// The schools, as UpdateInstitution checks them.
		twice := map[string]bool{}
		added := false
		for _, sid := range in.SchoolIDs {
			if twice[sid] {
				reject(icolSchools, "school "+sid+" is listed twice")
				ok = false
				continue
			}
			twice[sid] = true
			why, checked := schoolOK[sid]
			if !checked {
				sc, err := a.tt.School(ctx, sid)
				switch {
				case errors.Is(err, fault.ErrNotFound):
					why = "unknown school " + sid
				case err != nil:
					return rep, err
				case sc.DistrictID != districtID:
					why = "school " + sid + " is not in district " + districtID
				}
				schoolOK[sid] = why
			}
			if why != "" {
				reject(icolSchools, why)
				ok = false
			}
			added = added || !slices.Contains(old.SchoolIDs, sid)
		}
		if ok && added {
			if err := staff.CheckInstructorInstitution(in, today(a.now())); err != nil {
				if !errors.Is(err, fault.ErrFailedPrecondition) {
					return rep, err
				}
				reject(icolSchools, "must be approved and licensed to serve schools")
				ok = false
			}
			if capN > 0 && len(in.SchoolIDs) > capN {
				reject(icolSchools, fmt.Sprintf("institution_school_cap: %d schools, the district cap is %d", len(in.SchoolIDs), capN))
				ok = false
			}
		}
		if !ok {
			continue
		}
		switch {
		case !found:
			rep.New++
			in.ID = staff.NewID("inst")
			write = append(write, in)
		case slices.Equal(institutionCells(old), institutionCells(in)):
			rep.Unchanged++
		default:
			rep.Change(importjob.RowChange{Row: row.Line, Key: in.LicenceNo,
				Fields: importjob.Diff(institutionColumns, institutionCells(old), institutionCells(in))})
			write = append(write, in)
		}
	}
	if err := rd.Err(); err != nil {
		return rep, err
	}
	progress(0.9)
	rep.SortErrors()
	rep.Applied = rep.Rejected == 0 && !o.DryRun
	if !rep.Applied || len(write) == 0 {
		return rep, nil
	}
	return rep, a.store.MergeInstitutions(ctx, districtID, write)
}

// exportInstitutions is the district's institutions in the import layout.
func (a *App) exportInstitutions(ctx context.Context, districtID string) ([][]string, error) {
	ins, err := a.store.ListInstitutions(ctx, districtID, nil)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ins, func(x, y staff.Institution) int { return strings.Compare(x.LicenceNo, y.LicenceNo) })
	rows := make([][]string, len(ins))
	for i, in := range ins {
		rows[i] = institutionCells(in)
	}
	return rows, nil
}

var institutionHelp = map[string]string{
	"统一社会信用代码": "本区唯一；按它匹配已有机构 / unique in the district; rows are matched by it",
	"执照起始日":    "2024-01-01、2024/1/1 或 Excel 日期 / a date",
	"执照截止日":    "不早于起始日 / not before the start",
	"已批准":      "是 / 否（教育局批准）",
	"服务学校":     "本区学校编号（sch_…），用、分隔；新增学校须已批准且执照有效，且不超过本区上限",
	"机构编号":     "导出时填写（inst_…）；新机构留空",
}
