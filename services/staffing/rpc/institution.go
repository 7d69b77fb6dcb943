package rpc

import (
	"context"
	"slices"
	"strconv"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/staffing/app"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// institutionFields are the fields UpdateInstitution may change; the
// identity and output-only ones may appear in a mask the gateway derives
// from a PATCH body and are ignored.
var (
	institutionFields  = []string{"name", "licence_no", "licence_valid_from", "licence_valid_until", "approved", "courses", "school_ids"}
	institutionIgnored = []string{"institution_id", "district_id", "create_time"}
)

// institutionPatch reads the masked fields of in, naming each bad field as
// "institution.<field>".
func institutionPatch(in *staffingv1.Institution, paths map[string]bool) (app.InstitutionPatch, error) {
	var p app.InstitutionPatch
	var c fault.Collector
	if paths["name"] {
		v := in.GetName()
		c.Check(len([]rune(v)) <= 100, "institution.name", "at most 100 characters")
		p.Name = &v
	}
	if paths["licence_no"] {
		v := in.GetLicenceNo()
		c.Check(len([]rune(v)) <= 64, "institution.licence_no", "at most 64 characters")
		p.LicenceNo = &v
	}
	if paths["licence_valid_from"] {
		d, err := pbconv.CivilDate(in.GetLicenceValidFrom(), "institution.licence_valid_from")
		if err != nil {
			return p, err
		}
		p.ValidFrom = &d
	}
	if paths["licence_valid_until"] {
		d, err := pbconv.CivilDate(in.GetLicenceValidUntil(), "institution.licence_valid_until")
		if err != nil {
			return p, err
		}
		p.ValidUntil = &d
	}
	if paths["approved"] {
		v := in.GetApproved()
		p.Approved = &v
	}
	if paths["courses"] {
		c.Check(len(in.GetCourses()) <= 100, "institution.courses", "at most 100 courses")
		courses := []staff.Course{}
		for i, co := range in.GetCourses() {
			f := "institution.courses[" + itoa(i) + "]"
			if co.GetPricePerPeriod() == nil {
				c.Add(f+".price_per_period", "required")
				continue
			}
			price, err := pbconv.Decimal(co.GetPricePerPeriod(), f+".price_per_period")
			if err != nil {
				return p, err
			}
			c.Check(len([]rune(co.GetName())) <= 100, f+".name", "at most 100 characters")
			courses = append(courses, staff.Course{ID: co.GetCourseId(), Name: co.GetName(), ActivityKind: co.GetActivityKind(), PricePerPeriod: price})
		}
		p.Courses = &courses
	}
	if paths["school_ids"] {
		ids := slices.Clone(in.GetSchoolIds())
		c.Check(len(ids) <= 1000, "institution.school_ids", "at most 1000 schools")
		for i, id := range ids {
			c.Check(id != "" && len(id) <= 64, "institution.school_ids["+itoa(i)+"]", "must be a school id of 1 to 64 characters")
		}
		p.SchoolIDs = &ids
	}
	return p, c.Err()
}

// UpdateInstitution implements the RPC.
func (s *Server) UpdateInstitution(ctx context.Context, req *staffingv1.UpdateInstitutionRequest) (*staffingv1.UpdateInstitutionResponse, error) {
	in := req.GetInstitution()
	var c fault.Collector
	c.Check(districtPattern(in.GetDistrictId()), "institution.district_id", "must be a six-digit district code")
	c.Check(in.GetInstitutionId() != "" && len(in.GetInstitutionId()) <= 64, "institution.institution_id", "must be 1 to 64 characters")
	if err := c.Err(); err != nil {
		return nil, s.toStatus(ctx, err)
	}
	paths, err := pbconv.MaskPaths(req.GetUpdateMask().GetPaths(), institutionFields, institutionIgnored)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	p, err := institutionPatch(in, paths)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	out, err := s.app.UpdateInstitution(ctx, in.GetDistrictId(), in.GetInstitutionId(), p)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.UpdateInstitutionResponse{Institution: institutionToProto(out)}, nil
}

func districtPattern(id string) bool {
	if len(id) != 6 {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func itoa(i int) string { return strconv.Itoa(i) }
