package ledger

import (
	"time"

	"github.com/kehou/kehou/services/billing/domain/statement"
)

// RunPosting collects one school's statements of one kind in a run into
// the run's single ledger posting for that school (one posting per run,
// school, kind and effective date rather than one per statement: a city's
// run writes a few hundred postings instead of 300,000, and its entries
// drop from about four per student to one). Each statement contributes, as
// in billing_shared.md: Dr ParentReceivable(student) for the parent share,
// Dr PayerReceivable(payer) for each subsidy and waiver share, Cr
// SchoolIncome for school items and Cr ProviderPayable(provider) for
// collected-on-behalf items. Parent entries stay one per student (the
// statement behind one is the run's statement of that student, found by
// (run_id, student_id) in billing.statements); payer, income and provider
// entries are summed over the school. An adjustment posts its differences
// the same way. The zero value is ready to use.
type RunPosting struct {
	parents, others Builder
}

// Add adds one statement's amounts.
func (p *RunPosting) Add(is statement.Issued) {
	p.parents.Add(ParentReceivable(is.StudentID), is.Totals.Parent)
	for _, l := range is.Lines {
		for _, s := range l.Subsidies {
			p.others.Add(PayerReceivable(s.PayerID), s.Amount)
		}
		for _, s := range l.Waivers {
			p.others.Add(PayerReceivable(s.PayerID), s.Amount)
		}
		if l.ProviderID != "" {
			p.others.Add(ProviderPayable(l.ProviderID), l.Net.Neg())
		} else {
			p.others.Add(SchoolIncome, l.Net.Neg())
		}
	}
}

// Posting returns the balanced posting, referencing the run; false when its
// statements moved no money. Its id is the run id and the kind, unique in
// the school.
func (p *RunPosting) Posting(districtID, schoolID, runID string, kind Kind, at time.Time) (Posting, bool) {
	entries := append(p.parents.Entries(), p.others.Entries()...)
	if len(entries) < 2 {
		return Posting{}, false
	}
	return Posting{DistrictID: districtID, SchoolID: schoolID, PostingID: runID + "-" + string(kind), Kind: kind,
		Reference: runID, Memo: "fee run " + runID, EffectiveDate: at, Entries: entries}, true
}
