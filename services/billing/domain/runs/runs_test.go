package runs_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/fault"
)

// TestSnapshotRoundTrip writes a header, subjects and gone ids, and reads
// them back with the same hash; a changed byte changes the hash.
func TestSnapshotRoundTrip(t *testing.T) {
	type subject struct{ ID string }
	sn := runs.NewSnapshot(map[string]int{"v": 1})
	sn.Add(subject{"a"})
	sn.Add(subject{"b"})
	sn.Add("gone-1")
	data, sha, err := sn.Close()
	if err != nil {
		t.Fatal(err)
	}
	var header map[string]int
	var got []string
	var gone []string
	rsha, err := runs.ReadSnapshot(data, &header, func(raw json.RawMessage) error {
		var s subject
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		got = append(got, s.ID)
		return nil
	}, func(id string) { gone = append(gone, id) })
	if err != nil {
		t.Fatal(err)
	}
	if rsha != sha {
		t.Errorf("read hash %s, written %s", rsha, sha)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("subjects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gone-1"}, gone); diff != "" {
		t.Errorf("gone (-want +got):\n%s", diff)
	}
	if header["v"] != 1 {
		t.Errorf("header = %v", header)
	}
	other := runs.NewSnapshot(map[string]int{"v": 2})
	if _, osha, _ := other.Close(); osha == sha {
		t.Error("a different header hashes the same")
	}
}

func TestInputsHashIsOrderSensitive(t *testing.T) {
	a, b := runs.NewInputsHash(), runs.NewInputsHash()
	a.Add("s1", "x")
	a.Add("s2", "y")
	b.Add("s2", "y")
	b.Add("s1", "x")
	if a.Sum() == b.Sum() {
		t.Error("schools in a different order hash the same")
	}
}

func TestSameRequest(t *testing.T) {
	h := runs.RequestHash(struct{ A string }{"x"})
	if err := runs.SameRequest("run-1", "req", h, h); err != nil {
		t.Errorf("same request: %v", err)
	}
	if err := runs.SameRequest("run-1", "req", "", h); err != nil {
		t.Errorf("stored without hash: %v", err)
	}
	err := runs.SameRequest("run-1", "req", h, runs.RequestHash(struct{ A string }{"y"}))
	if !errors.Is(err, fault.ErrAlreadyExists) {
		t.Errorf("reused request id: %v, want AlreadyExists", err)
	}
}

func TestRevise(t *testing.T) {
	cur := statement.Current{StatementID: "st-1", Revision: 1, ContentHash: "h1"}
	tests := []struct {
		name  string
		had   bool
		hash  string
		empty bool
		want  runs.Revision
	}{
		{"first", false, "h1", false, runs.First},
		{"nothing to bill", false, "h0", true, runs.Skip},
		{"unchanged", true, "h1", false, runs.Unchanged},
		{"changed", true, "h2", false, runs.Adjust},
		{"gone", true, "h0", true, runs.Adjust},
	}
	for _, tt := range tests {
		if got := runs.Revise(cur, tt.had, tt.hash, tt.empty); got != tt.want {
			t.Errorf("%s: Revise = %v, want %v", tt.name, got, tt.want)
		}
	}
}
