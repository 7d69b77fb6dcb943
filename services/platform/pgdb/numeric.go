package pgdb

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// Decimal is a scan target for a NOT NULL numeric column:
// rows.Scan((*pgdb.Decimal)(&d)). A *decimal.Decimal is a database/sql
// Scanner, and pgx prefers that to any registered wrapper: the binary
// numeric is decoded, formatted as text and parsed again by shopspring.
// Decimal takes pgx's decoded numeric (NumericScanner) instead, with the
// value and scale exactly as the text round trip gave them: numeric(14,2)
// 12.30 is coefficient 1230, exponent -2.
type Decimal decimal.Decimal

// ScanNumeric implements pgtype.NumericScanner; NULL, NaN and ±Infinity are
// errors (pgx adds the column's name).
func (d *Decimal) ScanNumeric(v pgtype.Numeric) error {
	if !v.Valid {
		return errors.New("cannot scan NULL numeric into decimal.Decimal")
	}
	dec, err := numericDecimal(v)
	if err != nil {
		return err
	}
	*d = Decimal(dec)
	return nil
}

// NullDecimal is Decimal's variant for a column that may be NULL (a LEFT
// JOIN's): rows.Scan((*pgdb.NullDecimal)(&nd)); Valid is false for NULL.
type NullDecimal decimal.NullDecimal

// ScanNumeric implements pgtype.NumericScanner; NaN and ±Infinity are errors.
func (d *NullDecimal) ScanNumeric(v pgtype.Numeric) error {
	if !v.Valid {
		*d = NullDecimal{}
		return nil
	}
	dec, err := numericDecimal(v)
	if err != nil {
		return err
	}
	*d = NullDecimal{Decimal: dec, Valid: true}
	return nil
}

var big10 = big.NewInt(10)

// numericDecimal converts a valid, finite numeric as the text round trip
// did: pgx's text form writes a positive exponent out as trailing zeros, so
// shopspring read 1E+4 back as 10000 with exponent 0 (pgx gives a positive
// exponent only for a numeric without scale whose value ends in zeros).
func numericDecimal(v pgtype.Numeric) (decimal.Decimal, error) {
	switch {
	case v.NaN:
		return decimal.Decimal{}, errors.New("cannot scan NaN numeric into decimal.Decimal")
	case v.InfinityModifier != pgtype.Finite:
		return decimal.Decimal{}, fmt.Errorf("cannot scan %v numeric into decimal.Decimal", v.InfinityModifier)
	case v.Int == nil:
		return decimal.New(0, 0), nil
	case v.Exp > 0:
		scale := new(big.Int).Exp(big10, big.NewInt(int64(v.Exp)), nil)
		return decimal.NewFromBigInt(scale.Mul(scale, v.Int), 0), nil
	}
	return decimal.NewFromBigInt(v.Int, v.Exp), nil
}
