package ledger

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestValidate(t *testing.T) {
	base := func() Posting {
		return Posting{DistrictID: "350402", SchoolID: "s1", PostingID: "p1", Kind: KindCharge,
			EffectiveDate: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
			Entries:       []Entry{{ParentReceivable("st1"), d("10.00")}, {SchoolIncome, d("-10.00")}}}
	}
	tests := []struct {
		name   string
		give   func(*Posting)
		wantOK bool
	}{
		{"balanced", func(*Posting) {}, true},
		{"unbalanced", func(p *Posting) { p.Entries[1].Amount = d("-9.99") }, false},
		{"one entry", func(p *Posting) { p.Entries = p.Entries[:1] }, false},
		{"zero amount", func(p *Posting) {
			p.Entries = append(p.Entries, Entry{Cash("bank"), decimal.Zero})
		}, false},
		{"three places", func(p *Posting) { p.Entries[0].Amount = d("10.001"); p.Entries[1].Amount = d("-10.001") }, false},
		{"no tenant", func(p *Posting) { p.DistrictID = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.give(&p)
			if err := p.Validate(); (err == nil) != tt.wantOK {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.wantOK)
			}
		})
	}
}

func TestBuilderMergesAndDropsZero(t *testing.T) {
	var b Builder
	b.Add(ParentReceivable("a"), d("3.00"))
	b.Add(SchoolIncome, d("-5.00"))
	b.Add(ParentReceivable("a"), d("2.00"))
	b.Add(PayerReceivable("city"), d("0"))
	got := b.Entries()
	if len(got) != 2 || got[0].Account != ParentReceivable("a") || !got[0].Amount.Equal(d("5")) || got[1].Account != SchoolIncome {
		t.Fatalf("Entries() = %v", got)
	}
}
