package pbconv

import (
	"errors"
	"testing"
	"time"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

func TestCivilDate(t *testing.T) {
	want := civil.New(2026, time.September, 1)
	got, err := CivilDate(&commonv1.Date{Year: 2026, Month: 9, Day: 1}, "on")
	if err != nil || got != want {
		t.Fatalf("CivilDate = %v, %v", got, err)
	}
	if back := FromCivilDate(got); back.GetYear() != 2026 || back.GetMonth() != 9 || back.GetDay() != 1 {
		t.Fatalf("FromCivilDate = %v", back)
	}
	if FromCivilDate(civil.Date{}) != nil || !CivilDateOf(nil).IsZero() || CivilDateOf(FromCivilDate(want)) != want {
		t.Fatal("the zero Date and nil do not map to each other")
	}
	var ve *fault.ValidationError
	for _, bad := range []*commonv1.Date{nil, {Year: 2026, Month: 2, Day: 30}} {
		if _, err := CivilDate(bad, "on"); !errors.As(err, &ve) || ve.Violations[0].Field != "on" {
			t.Errorf("CivilDate(%v) = %v, want a violation of on", bad, err)
		}
	}
	if d, err := OptionalCivilDate(nil, "to"); err != nil || !d.IsZero() {
		t.Errorf("OptionalCivilDate(nil) = %v, %v", d, err)
	}
}
