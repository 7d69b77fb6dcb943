// Package staff holds who may take after-school duties at a school.
package staff

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
)

// Kind says how a person takes part.
type Kind string

// The kinds of staff.
const (
	KindTeacher           Kind = "teacher"            // 校内教师
	KindOutsideInstructor Kind = "outside_instructor" // 第三方机构人员
	KindAdmin             Kind = "admin"              // 行政人员
)

// Member is one person at one school.
type Member struct {
	DistrictID string
	SchoolID   string
	ID         string
	Name       string
	Kind       Kind
	CreateTime time.Time
}

// Validate checks the rules the contract cannot express.
func (m Member) Validate() error {
	var c fault.Collector
	c.Check(strings.TrimSpace(m.Name) != "", "staff_member.name", "must not be blank")
	c.Check(m.Kind == KindTeacher || m.Kind == KindOutsideInstructor || m.Kind == KindAdmin, "staff_member.kind", "must be teacher, outside_instructor or admin")
	return c.Err()
}

// NewID returns a fresh random staff id.
func NewID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return "stf_" + hex.EncodeToString(b)
}
