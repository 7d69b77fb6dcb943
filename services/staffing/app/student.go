package app

import (
	"context"
	"slices"
	"strings"

	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/staffing/domain/demand"
)

// SessionTeacher is one person staffing one of a child's sessions, as a
// guardian sees them: a display name and a role, nothing else.
type SessionTeacher struct {
	OccurrenceID, Name, Role string
}

// StudentTeachers names who is assigned to a child's sessions in the week
// holding weekOf. The sessions are timetable's answer to the caller (so
// only a child the caller may read), and only the people on those
// sessions are named; a week not yet staffed names nobody.
func (a *App) StudentTeachers(ctx context.Context, schoolID, studentID, termID string, weekOf civil.Date) ([]SessionTeacher, error) {
	sessions, err := a.tt.StudentSessions(ctx, schoolID, studentID, termID, weekOf)
	if err != nil || len(sessions) == 0 {
		return nil, err
	}
	district, err := a.tt.SchoolDistrict(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	w, err := a.store.LoadWeek(ctx, district, schoolID, weekOf.StartOfWeek())
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	mine := map[string]bool{}
	for _, s := range sessions {
		mine[s] = true
	}
	type demandOf struct{ occurrence, role string }
	demands := map[string]demandOf{}
	for _, d := range w.Demands {
		if mine[d.OccurrenceID] {
			demands[d.ID] = demandOf{d.OccurrenceID, string(d.Role)}
		}
	}
	names := map[string]string{}
	var out []SessionTeacher
	for _, as := range w.Assignments {
		d, ok := demands[as.DemandID]
		if !ok || as.Status == demand.StatusRemoved {
			continue
		}
		name, ok := names[as.StaffID]
		if !ok {
			m, err := a.store.GetMember(ctx, district, schoolID, as.StaffID)
			if err != nil {
				return nil, err
			}
			name, names[as.StaffID] = m.Name, m.Name
		}
		out = append(out, SessionTeacher{OccurrenceID: d.occurrence, Name: name, Role: d.role})
	}
	slices.SortFunc(out, func(x, y SessionTeacher) int {
		return strings.Compare(x.OccurrenceID+"\x00"+x.Role+"\x00"+x.Name, y.OccurrenceID+"\x00"+y.Role+"\x00"+y.Name)
	})
	return out, nil
}
