package statement

// Helpers the external tests use to normalise lines.
var (
	AddAdjustments = addAdjustments
	AddShares      = addShares
)
