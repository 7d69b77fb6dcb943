package app

import (
	"fmt"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/platform/civil"
	imports "github.com/kehou/kehou/services/platform/importjob"
)

// versionMatch finds the stored version that a version in an uploaded file
// continues, the same way for every versioned document an import brings
// (fee schedules, rate tables): by the id the file names, or, when it
// names none, by scope, start date and 文号. It refuses, on the version's
// first row, a new version without an id, one id given to two versions of
// the file, and a version moved to another scope.
type versionMatch[T any] struct {
	meta   func(T) versionMeta
	latest map[string]T                   // id → its latest stored version
	byKey  map[fee.Scope]map[naturalKey]T // scope → start and 文号 → latest version
	usedBy map[string]int                 // id → the file row whose version took it
	noun   string                         // "schedule", "rate table"
	idCol  string                         // the id column's header
	scope  string                         // the scope (school) column's header
}

// versionMeta is what matching reads of a version.
type versionMeta struct {
	ID       string
	Version  int
	Scope    fee.Scope
	From     civil.Date // effective from
	Document string     // 文号
}

// naturalKey is a version's key within its scope when the file names no id.
type naturalKey struct {
	from civil.Date
	doc  string
}

func (v versionMeta) key() naturalKey { return naturalKey{v.From, v.Document} }

func newVersionMatch[T any](stored []T, meta func(T) versionMeta, noun, idCol, scopeCol string) *versionMatch[T] {
	m := &versionMatch[T]{meta: meta, latest: map[string]T{}, byKey: map[fee.Scope]map[naturalKey]T{}, usedBy: map[string]int{},
		noun: noun, idCol: idCol, scope: scopeCol}
	for _, s := range stored {
		if l, ok := m.latest[meta(s).ID]; !ok || meta(s).Version > meta(l).Version {
			m.latest[meta(s).ID] = s
		}
	}
	for _, s := range m.latest {
		sm := meta(s)
		if m.byKey[sm.Scope] == nil {
			m.byKey[sm.Scope] = map[naturalKey]T{}
		}
		m.byKey[sm.Scope][sm.key()] = s
	}
	return m
}

// continues returns the stored version v continues (nil for a new
// document), filling *id from it when the file left the id empty. false:
// v was refused, its reason reported on row first.
func (m *versionMatch[T]) continues(rep *imports.Report, first int, v T, id *string) (*T, bool) {
	vm := m.meta(v)
	var old *T
	if *id != "" {
		if l, found := m.latest[*id]; found {
			old = &l
		}
	} else if l, found := m.byKey[vm.Scope][vm.key()]; found {
		old, *id = &l, m.meta(l).ID
	}
	switch {
	case *id == "":
		rep.Reject(imports.RowError{Row: first, Column: m.idCol, Reason: "is required for a new " + m.noun, ReasonZh: "新标准须填写标准编号"})
		return nil, false
	case m.usedBy[*id] != 0:
		rep.Reject(imports.RowError{Row: first, Column: m.idCol, Value: *id,
			Reason:   fmt.Sprintf("%s %s is already the version on row %d: one version of a %s per file", m.noun, *id, m.usedBy[*id], m.noun),
			ReasonZh: fmt.Sprintf("标准 %s 已是第 %d 行的版本：一个文件中每个标准只能有一个版本", *id, m.usedBy[*id])})
		return nil, false
	case old != nil && m.meta(*old).Scope != vm.Scope:
		was := m.meta(*old).Scope
		rep.Reject(imports.RowError{Row: first, Column: m.scope, Value: vm.Scope.SchoolID,
			Reason:   fmt.Sprintf("%s %s is %s: a new version keeps its scope", m.noun, *id, scopeText(was)),
			ReasonZh: fmt.Sprintf("标准 %s 属于%s：新版本不能改变适用范围", *id, scopeZh(was))})
		return nil, false
	}
	m.usedBy[*id] = first
	return old, true
}
func scopeText(s fee.Scope) string {
	if s.SchoolID == "" {
		return "district-wide"
	}
	return "school " + s.SchoolID + "'s"
}

func scopeZh(s fee.Scope) string {
	if s.SchoolID == "" {
		return "全区县"
	}
	return "学校 " + s.SchoolID
}
