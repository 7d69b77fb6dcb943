package pgdb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/kehou/kehou/services/platform/pgtest"
	"github.com/shopspring/decimal"
)

// TestDecimalScanMatchesTextRoundTrip checks that Decimal and NullDecimal
// give exactly what scanning into *decimal.Decimal gives (pgx's text round
// trip): the same string, coefficient and exponent, for the scales the
// billing columns use and the odd ones a computed numeric can have.
func TestDecimalScanMatchesTextRoundTrip(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	tests := []string{
		"0::numeric(14,2)", "0::numeric", "12.30::numeric(14,2)", "-5.00::numeric(14,2)", "10000.00::numeric(14,2)",
		"0.01::numeric(14,2)", "-0.01::numeric(14,2)", "99999999999.99::numeric(14,2)", "3.5::numeric(18,4)",
		"1234.5678::numeric(14,4)", "10000::numeric", "100000000::numeric", "-20000::numeric", "1e20::numeric",
		"0.000000001::numeric", "123456789012345678901234567890.123456789::numeric", "1.10::numeric", "7::numeric",
		"1/3::numeric", "(SELECT sum(x) FROM (VALUES (1.25::numeric(14,2)), (-0.25)) v(x))",
	}
	for _, give := range tests {
		var old decimal.Decimal
		var got decimal.Decimal
		var null pgdb.NullDecimal
		if err := pool.QueryRow(ctx, "SELECT s, s, s FROM (SELECT "+give+") t(s)").
			Scan(&old, (*pgdb.Decimal)(&got), (*pgdb.NullDecimal)(&null)); err != nil {
			t.Fatalf("%s: %v", give, err)
		}
		for _, d := range []decimal.Decimal{got, null.Decimal} {
			if d.String() != old.String() || d.Exponent() != old.Exponent() || d.Coefficient().Cmp(old.Coefficient()) != 0 {
				t.Errorf("%s: scanned %s (%s e%d), text round trip gives %s (%s e%d)", give,
					d, d.Coefficient(), d.Exponent(), old, old.Coefficient(), old.Exponent())
			}
		}
		if !null.Valid {
			t.Errorf("%s: NullDecimal not valid", give)
		}
	}
}

func TestDecimalScanRejectsNullNaNInfinity(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	var d decimal.Decimal
	var nd pgdb.NullDecimal
	err := pool.QueryRow(ctx, "SELECT NULL::numeric AS parent_amount").Scan((*pgdb.Decimal)(&d))
	if err == nil || !strings.Contains(err.Error(), "NULL") || !strings.Contains(err.Error(), "parent_amount") {
		t.Errorf("NULL into Decimal: %v, want an error naming NULL and the column", err)
	}
	nd = pgdb.NullDecimal{Decimal: decimal.New(1, 0), Valid: true}
	if err := pool.QueryRow(ctx, "SELECT NULL::numeric").Scan((*pgdb.NullDecimal)(&nd)); err != nil || nd.Valid || !nd.Decimal.Equal(decimal.Zero) {
		t.Errorf("NULL into NullDecimal: %+v, %v; want invalid and zero", nd, err)
	}
	for _, give := range []string{"'NaN'", "'Infinity'", "'-Infinity'"} {
		if err := pool.QueryRow(ctx, "SELECT "+give+"::numeric").Scan((*pgdb.Decimal)(&d)); err == nil {
			t.Errorf("%s into Decimal: no error", give)
		}
		if err := pool.QueryRow(ctx, "SELECT "+give+"::numeric").Scan((*pgdb.NullDecimal)(&nd)); err == nil {
			t.Errorf("%s into NullDecimal: no error", give)
		}
	}
}
