package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/ledger"
)

// InsertPostings appends balanced postings inside tx, with COPY so a fee run
// of a whole city stays near the database's bulk-load floor. It validates
// every posting first and writes nothing when one is unbalanced.
func InsertPostings(ctx context.Context, tx pgx.Tx, ps []ledger.Posting) error {
	if len(ps) == 0 {
		return nil
	}
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("posting %s: %w", p.PostingID, err)
		}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"billing", "postings"},
		[]string{"district_id", "school_id", "posting_id", "kind", "reference", "memo", "effective_date"},
		pgx.CopyFromSlice(len(ps), func(i int) ([]any, error) {
			p := ps[i]
			return []any{p.DistrictID, p.SchoolID, p.PostingID, string(p.Kind), p.Reference, p.Memo, p.EffectiveDate}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy postings: %w", interpretError(err, "postings"))
	}
	rows := make([][]any, 0, len(ps)*3)
	for _, p := range ps {
		for i, e := range p.Entries {
			rows = append(rows, []any{p.DistrictID, p.SchoolID, p.PostingID, int32(i + 1), e.Account, e.Amount})
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"billing", "entries"},
		[]string{"district_id", "school_id", "posting_id", "line", "account", "amount"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy entries: %w", interpretError(err, "postings"))
	}
	return nil
}
