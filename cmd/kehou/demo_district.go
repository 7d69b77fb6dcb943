package main

import (
	"fmt"
	"math/rand/v2"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
)

// The demo district is described here as plain data, derived from fixed
// seeds: every start computes the same schools, classes, names and
// phones, so the loader can find what an earlier start made by these
// natural keys (a room, class, club or staff name, a student's name in
// the school, an item's kind) and create only what is missing.

// demoSchool is one school of the demo district.
type demoSchool struct {
	id, name string
	stage    timetablev1.SchoolStage
	// grades taught, classesPerGrade classes of classSize students each.
	grades                     []int
	classesPerGrade, classSize int
	// rooms besides the classrooms (one home room per class).
	rooms []demoRoom
	items []demoItem
	clubs []demoClubSpec
	// subjectTeachers and admins beside one class teacher per class;
	// instructors come from the outside institution.
	subjectTeachers, admins, instructors int
	// seed of the names; phoneBase is the first guardian phone's last four digits.
	seed      uint64
	phoneBase int
	// runRequest keys the September fee run; month says whether all of
	// September is staffed and its delivered hours recorded and approved
	// (otherwise only the first full week is staffed).
	runRequest string
	month      bool
}

type demoRoom struct {
	name     string
	kind     timetablev1.RoomKind
	capacity int32
}

type demoItem struct {
	kind    timetablev1.ItemKind
	name    string
	segment int32
	start   [2]int
	end     [2]int
	grades  []int32
}

// demoClubSpec is a club; copies of it are numbered 一, 二, ….
type demoClubSpec struct {
	name        string
	activity    timetablev1.ActivityKind
	room        timetablev1.RoomKind
	capacity    int32
	grades      []int32
	copies      int
	institution bool
}

// The demo family (demoParentLogin): one child at the city primary school
// and one at the junior middle school, sharing a guardian.
const (
	demoFamilyGuardian = "林建国"
	demoFamilyPhone    = "13905981234"
	demoChildPrimary   = "林小雨"
	demoChildMiddle    = "林浩然"
	// demoFamilyClass are the children's classes (first of each).
	demoFamilyClassPrimary = "三年级1班"
	demoFamilyClassMiddle  = "八年级1班"
)

// demoRuralSchoolID and demoMiddleSchoolID are the other schools' stable ids.
const (
	demoRuralSchoolID  = "sch_demo_350402_rural"
	demoMiddleSchoolID = "sch_demo_350402_middle"
)

func demoDistrictSchools() []demoSchool {
	sci, art, gym, lib, play, room := timetablev1.RoomKind_ROOM_KIND_LAB, timetablev1.RoomKind_ROOM_KIND_ART_ROOM,
		timetablev1.RoomKind_ROOM_KIND_GYM, timetablev1.RoomKind_ROOM_KIND_LIBRARY, timetablev1.RoomKind_ROOM_KIND_PLAYGROUND,
		timetablev1.RoomKind_ROOM_KIND_CLASSROOM
	read, calli, sport, arts, science := timetablev1.ActivityKind_ACTIVITY_KIND_READING, timetablev1.ActivityKind_ACTIVITY_KIND_CALLIGRAPHY,
		timetablev1.ActivityKind_ACTIVITY_KIND_SPORTS, timetablev1.ActivityKind_ACTIVITY_KIND_ARTS, timetablev1.ActivityKind_ACTIVITY_KIND_SCIENCE
	basic, enrich, extended, evening := timetablev1.ItemKind_ITEM_KIND_BASIC_CARE, timetablev1.ItemKind_ITEM_KIND_ENRICHMENT,
		timetablev1.ItemKind_ITEM_KIND_EXTENDED_CARE, timetablev1.ItemKind_ITEM_KIND_EVENING_STUDY
	primaryItems := []demoItem{
		{kind: basic, name: "基础托管（作业辅导）", segment: 1, start: [2]int{15, 30}, end: [2]int{16, 30}},
		{kind: enrich, name: "兴趣拓展", segment: 2, start: [2]int{16, 30}, end: [2]int{17, 30}},
		{kind: extended, name: "延时托管（一至三年级）", segment: 3, start: [2]int{17, 30}, end: [2]int{18, 20}, grades: []int32{1, 2, 3}},
	}
	return []demoSchool{{
		id: demoPrimarySchoolID, name: demoPrimarySchool, stage: timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY,
		grades: []int{1, 2, 3, 4, 5, 6}, classesPerGrade: 4, classSize: 50,
		rooms: []demoRoom{{"科学实验室", sci, 50}, {"美术室", art, 50}, {"音乐室", art, 50}, {"体育馆", gym, 120},
			{"田径场", play, 200}, {"图书室", lib, 60}},
		items: primaryItems,
		clubs: []demoClubSpec{
			{name: "绘本阅读", activity: read, room: room, capacity: 50, grades: []int32{1, 2}, copies: 3},
			{name: "硬笔书法", activity: calli, room: room, capacity: 50, grades: []int32{1, 2}, copies: 2},
			{name: "趣味数学", activity: science, room: room, capacity: 50, grades: []int32{1, 2}, copies: 2},
			{name: "经典诵读", activity: read, room: room, capacity: 50, grades: []int32{3, 4}, copies: 3},
			{name: "毛笔书法", activity: calli, room: room, capacity: 50, grades: []int32{3, 4}, copies: 2},
			{name: "儿童画", activity: arts, room: room, capacity: 50, grades: []int32{3, 4}, copies: 2},
			{name: "作文启蒙", activity: read, room: room, capacity: 50, grades: []int32{5, 6}, copies: 3},
			{name: "编程入门", activity: science, room: room, capacity: 50, grades: []int32{5, 6}, copies: 2},
			{name: "围棋", activity: timetablev1.ActivityKind_ACTIVITY_KIND_OTHER, room: room, capacity: 50, grades: []int32{5, 6}, copies: 2},
			{name: "科学小实验", activity: science, room: sci, capacity: 50, grades: []int32{3, 4, 5, 6}, copies: 1},
			{name: "合唱", activity: arts, room: art, capacity: 50, grades: []int32{1, 2, 3, 4, 5, 6}, copies: 1},
			{name: "水彩", activity: arts, room: art, capacity: 50, grades: []int32{5, 6}, copies: 1},
			{name: "篮球", activity: sport, room: gym, capacity: 60, grades: []int32{3, 4, 5, 6}, copies: 1, institution: true},
			{name: "足球", activity: sport, room: play, capacity: 60, grades: []int32{1, 2, 3, 4, 5, 6}, copies: 1, institution: true},
			{name: "阅读角", activity: read, room: lib, capacity: 60, grades: []int32{1, 2, 3, 4, 5, 6}, copies: 1},
		},
		subjectTeachers: 44, admins: 2, instructors: 3,
		seed: 1, phoneBase: 0, runRequest: demoRunRequest,
	}, {
		id: demoRuralSchoolID, name: "三元区岩前中心小学", stage: timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY,
		grades: []int{1, 2, 3, 4, 5, 6}, classesPerGrade: 1, classSize: 50,
		rooms: []demoRoom{{"操场", play, 200}, {"图书室", lib, 50}, {"多功能室", art, 50}},
		items: primaryItems[:2],
		clubs: []demoClubSpec{
			{name: "绘本阅读", activity: read, room: room, capacity: 50, grades: []int32{1, 2}, copies: 2},
			{name: "书法", activity: calli, room: room, capacity: 50, grades: []int32{3, 4, 5, 6}, copies: 1},
			{name: "经典诵读", activity: read, room: room, capacity: 50, grades: []int32{3, 4, 5, 6}, copies: 1},
			{name: "科学探究", activity: science, room: room, capacity: 50, grades: []int32{3, 4, 5, 6}, copies: 1},
			{name: "足球", activity: sport, room: play, capacity: 60, grades: []int32{1, 2, 3, 4, 5, 6}, copies: 1, institution: true},
			{name: "剪纸", activity: arts, room: art, capacity: 40, grades: []int32{1, 2, 3, 4, 5, 6}, copies: 1},
		},
		subjectTeachers: 10, admins: 1, instructors: 1,
		seed: 2, phoneBase: 1200, runRequest: "demo-2026-09-rural", month: true,
	}, {
		id: demoMiddleSchoolID, name: "三元区列东中学", stage: timetablev1.SchoolStage_SCHOOL_STAGE_JUNIOR_MIDDLE,
		grades: []int{7, 8, 9}, classesPerGrade: 6, classSize: 50,
		rooms: []demoRoom{{"物理实验室", sci, 50}, {"化学实验室", sci, 50}, {"美术室", art, 50}, {"体育馆", gym, 120},
			{"田径场", play, 200}, {"图书馆", lib, 80}},
		items: []demoItem{
			{kind: basic, name: "基础托管（作业辅导）", segment: 1, start: [2]int{15, 45}, end: [2]int{16, 30}},
			{kind: enrich, name: "兴趣拓展（社团）", segment: 2, start: [2]int{16, 30}, end: [2]int{17, 45}},
			{kind: evening, name: "晚自习", segment: 4, start: [2]int{19, 0}, end: [2]int{20, 30}},
		},
		clubs: []demoClubSpec{
			{name: "文学社", activity: read, room: room, capacity: 50, grades: []int32{7, 8, 9}, copies: 3},
			{name: "英语角", activity: read, room: room, capacity: 50, grades: []int32{7, 8}, copies: 3},
			{name: "数学思维", activity: science, room: room, capacity: 50, grades: []int32{7, 8, 9}, copies: 3},
			{name: "书法社", activity: calli, room: room, capacity: 50, grades: []int32{7, 8}, copies: 2},
			{name: "物理探究", activity: science, room: sci, capacity: 50, grades: []int32{8, 9}, copies: 2},
			{name: "美术社", activity: arts, room: art, capacity: 50, grades: []int32{7, 8, 9}, copies: 1},
			{name: "心理健康", activity: timetablev1.ActivityKind_ACTIVITY_KIND_SOCIAL_PRACTICE, room: room, capacity: 50, grades: []int32{7, 8, 9}, copies: 2},
			{name: "篮球", activity: sport, room: gym, capacity: 60, grades: []int32{7, 8, 9}, copies: 1, institution: true},
			{name: "田径", activity: sport, room: play, capacity: 60, grades: []int32{7, 8, 9}, copies: 1},
			{name: "阅读", activity: read, room: lib, capacity: 80, grades: []int32{7, 8, 9}, copies: 1},
		},
		subjectTeachers: 30, admins: 2, instructors: 2,
		seed: 3, phoneBase: 1500, runRequest: "demo-2026-09-middle",
	}}
}

var cnDigits = []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// className is 三年级2班; homeRoom is 三(2)班教室.
func className(grade, n int) string { return fmt.Sprintf("%s年级%d班", cnDigits[grade], n) }
func homeRoom(grade, n int) string  { return fmt.Sprintf("%s(%d)班教室", cnDigits[grade], n) }

// clubName numbers the copies of a club: 绘本阅读（一）.
func (c demoClubSpec) names() []string {
	if c.copies <= 1 {
		return []string{c.name}
	}
	out := make([]string, c.copies)
	for i := range out {
		out[i] = fmt.Sprintf("%s（%s）", c.name, cnDigits[i+1])
	}
	return out
}

// demoPupil is one student of the roster.
type demoPupil struct {
	name, class     string
	grade, index    int // index in the school, in roster order
	hardship        timetablev1.HardshipCategory
	guardian, phone string
}

// services says which items of the school the student takes: four in
// five take homework care and clubs; one in five of grades 1 to 3 also
// extended care (parents who work late); at the junior middle school grade 9 and one in
// ten of the others evening self-study.
func (p demoPupil) services(kind timetablev1.ItemKind) bool {
	family := p.name == demoChildPrimary || p.name == demoChildMiddle
	switch kind {
	case timetablev1.ItemKind_ITEM_KIND_BASIC_CARE, timetablev1.ItemKind_ITEM_KIND_ENRICHMENT:
		return family || p.index%5 != 4
	case timetablev1.ItemKind_ITEM_KIND_EXTENDED_CARE:
		return p.grade <= 3 && (family || p.index%5 == 0)
	case timetablev1.ItemKind_ITEM_KIND_EVENING_STUDY:
		return p.grade == 9 || p.index%10 == 0
	}
	return false
}

// demoPending is the one application each school has not decided yet:
// the last service of the last student in the roster who takes any.
func demoPending(roster []demoPupil, items []demoItem) (string, timetablev1.ItemKind) {
	for i := len(roster) - 1; i >= 0; i-- {
		for j := len(items) - 1; j >= 0; j-- {
			if roster[i].services(items[j].kind) {
				return roster[i].name, items[j].kind
			}
		}
	}
	return "", 0
}

var (
	demoSurnames = []rune("林陈黄张吴王李刘郑罗杨邱余肖廖赖谢周徐叶朱曾蔡何许邓魏苏卢严江范杜傅温钟宋彭")
	demoChildren = []rune("子欣浩宇梓涵轩怡一诺思雨俊博文嘉佳明睿晨悦可心泽辰昊铭瑶琪彤雅婷安逸锦然天佑诗若晴宸奕熙航煜诚凯乐萱")
	demoAdults   = []rune("建华国强丽芳敏静秀英伟军平红燕玲霞峰斌涛辉文明勇洁萍梅琳娟慧春志海云")
)

// roster is the school's students in class order, with unique names
// (the loader's key), about one in thirty a verified 低保 family and one
// in eighty a 特困 one, and a guardian phone each (the demo family's two
// children share theirs).
func (s demoSchool) roster() []demoPupil {
	rng := rand.New(rand.NewPCG(s.seed, 2026))
	used := map[string]bool{demoChildPrimary: true, demoChildMiddle: true}
	name := func() string {
		for {
			n := string(demoSurnames[rng.IntN(len(demoSurnames))]) + string(demoChildren[rng.IntN(len(demoChildren))]) +
				string(demoChildren[rng.IntN(len(demoChildren))])
			if !used[n] {
				used[n] = true
				return n
			}
		}
	}
	var out []demoPupil
	for _, g := range s.grades {
		for c := 1; c <= s.classesPerGrade; c++ {
			cl := className(g, c)
			for k := 0; k < s.classSize; k++ {
				i := len(out)
				p := demoPupil{class: cl, grade: g, index: i}
				switch {
				case k == 0 && s.id == demoPrimarySchoolID && cl == demoFamilyClassPrimary:
					p.name = demoChildPrimary
				case k == 0 && s.id == demoMiddleSchoolID && cl == demoFamilyClassMiddle:
					p.name = demoChildMiddle
				default:
					p.name = name()
				}
				if p.name == demoChildPrimary || p.name == demoChildMiddle {
					p.guardian, p.phone = demoFamilyGuardian, demoFamilyPhone
				} else {
					p.guardian = string([]rune(p.name)[:1]) + string(demoAdults[rng.IntN(len(demoAdults))]) + string(demoAdults[rng.IntN(len(demoAdults))])
					p.phone = fmt.Sprintf("1390598%04d", s.phoneBase+i)
				}
				switch {
				case i%30 == 7:
					p.hardship = timetablev1.HardshipCategory_HARDSHIP_CATEGORY_DIBAO
				case i%80 == 13:
					p.hardship = timetablev1.HardshipCategory_HARDSHIP_CATEGORY_TEKUN
				}
				out = append(out, p)
			}
		}
	}
	return out
}

// demoStaffSpec is one staff member; classTeacherOf and classesTaught
// name classes, resolved to ids when created.
type demoStaffSpec struct {
	name           string
	kind           staffingv1.StaffKind
	classTeacherOf string
	classesTaught  []string
	subjects       []string
	qualifications []string
	institution    bool
	limits         *staffingv1.StaffLimits
}

// staff is the school's staff: a class teacher per class (the first
// teaches the demo family's class), subject teachers qualified for the
// clubs' activities in proportion to them, administrators and the
// institution's instructors. Names are unique in the school.
func (s demoSchool) staff() []demoStaffSpec {
	rng := rand.New(rand.NewPCG(s.seed, 7))
	used := map[string]bool{}
	name := func() string {
		for {
			n := string(demoSurnames[rng.IntN(len(demoSurnames))]) + string(demoAdults[rng.IntN(len(demoAdults))]) +
				string(demoAdults[rng.IntN(len(demoAdults))])
			if !used[n] {
				used[n] = true
				return n
			}
		}
	}
	teacher := staffingv1.StaffKind_STAFF_KIND_TEACHER
	subjects := []string{"语文", "数学", "英语", "科学", "音乐", "美术", "体育", "书法", "信息技术", "道德与法治"}
	if s.stage == timetablev1.SchoolStage_SCHOOL_STAGE_JUNIOR_MIDDLE {
		subjects = []string{"语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治", "体育", "美术", "音乐"}
	}
	// Qualifications follow the clubs: one club copy, one qualified teacher and a half.
	var quals []string
	for _, c := range s.clubs {
		if c.institution {
			continue
		}
		for range c.copies * 3 / 2 {
			quals = append(quals, activityQualification(c.activity))
		}
		if c.copies == 1 {
			quals = append(quals, activityQualification(c.activity))
		}
	}
	var out []demoStaffSpec
	for _, g := range s.grades {
		for c := 1; c <= s.classesPerGrade; c++ {
			cl := className(g, c)
			out = append(out, demoStaffSpec{name: name(), kind: teacher, classTeacherOf: cl, classesTaught: []string{cl},
				subjects: []string{subjects[len(out)%2]}})
		}
	}
	for i := range s.subjectTeachers {
		m := demoStaffSpec{name: name(), kind: teacher, subjects: []string{subjects[2+i%(len(subjects)-2)]}}
		if len(quals) > 0 {
			m.qualifications = []string{quals[i%len(quals)]}
		}
		out = append(out, m)
	}
	// Class teachers can lead a club too, on days they do not supervise homework.
	for i := range s.classesPerGrade * len(s.grades) {
		if len(quals) > 0 {
			out[i].qualifications = []string{quals[(i*7)%len(quals)]}
		}
	}
	for range s.admins {
		out = append(out, demoStaffSpec{name: name(), kind: staffingv1.StaffKind_STAFF_KIND_ADMIN,
			limits: &staffingv1.StaffLimits{MaxPeriodsPerWeek: 20}})
	}
	for range s.instructors {
		out = append(out, demoStaffSpec{name: name(), kind: staffingv1.StaffKind_STAFF_KIND_OUTSIDE_INSTRUCTOR,
			qualifications: []string{"sports"}, institution: true})
	}
	return out
}

// activityQualification is the staffing qualification for a club activity.
func activityQualification(a timetablev1.ActivityKind) string {
	switch a {
	case timetablev1.ActivityKind_ACTIVITY_KIND_READING:
		return "reading"
	case timetablev1.ActivityKind_ACTIVITY_KIND_CALLIGRAPHY:
		return "calligraphy"
	case timetablev1.ActivityKind_ACTIVITY_KIND_SPORTS:
		return "sports"
	case timetablev1.ActivityKind_ACTIVITY_KIND_ARTS:
		return "arts"
	case timetablev1.ActivityKind_ACTIVITY_KIND_SCIENCE:
		return "science"
	case timetablev1.ActivityKind_ACTIVITY_KIND_SOCIAL_PRACTICE:
		return "social_practice"
	}
	return "other"
}
