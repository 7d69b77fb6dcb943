// Package fee is the pure fee engine of after-school service (课后服务) billing: versioned fee
// schedules (收费标准) as data, the facts timetable supplies, and the computation of one student's
// statement for one billing period. It does no I/O; the same inputs always give the same statement,
// byte for byte, whatever the order of enrolments, leave, cancellations, short days and meal costs.
//
// # Order of computation
//
// For each item the student is enrolled in during the period (lines follow the schedule's item
// order; shortfall subsidy lines come last):
//
//  1. Quantity: the item's units over the whole period's service days (periods are minutes over the
//     period length, pro rata; per_month and per_term are the period's months or terms).
//  2. Gross: the whole period's charge at the rate (holiday rate on weekend and holiday days) plus
//     the enrichment surcharge, before anything else.
//  3. Caps: per day, then per calendar month, then per term (term periods only).
//  4. Proration: the schedule's policy (exact, half_month, continuous_absence, early_withdrawal,
//     first_month_only; meals always exact) in stages: enrolment, the school's shortfalls, leave,
//     and the policy's rounding or refund. Every stage is summed under the caps again, so a student
//     never pays more than the caps allow for what was billed.
//  5. Subsidies, in schedule order: each computed for the student, capped at the unpaid amount of the
//     lines it covers, spread over those lines in proportion to their unpaid amounts, and each
//     line's part split between payers by ratio (money.AllocateInt, largest remainder).
//  6. Waivers, for a matching (and, where required, approved) hardship category: a percentage of
//     what is left of each covered line, billed to the waiver's payer.
//  7. Parent share: what is left.
//
// # Rounding
//
// Everything before rounding is exact: money is held as int64 numerators in 1/10000 yuan over a
// per-line denominator (validation bounds keep them far inside int64). Each stage total of a line
// (gross, after each cap, after each proration stage) is rounded to the fen once, from its exact
// value, by the schedule's rule (default half_up, 四舍五入); an adjustment is the difference of two
// rounded stage totals, so a line always adds up. Each refund (continuous absence, early
// withdrawal), each subsidy and each waiver amount is rounded once. Payer splits are exact in fen.
// Quantities are shown rounded half-up to four places; the gross uses the exact quantity.
//
// README.md in this directory gives each policy's arithmetic and the decisions taken where the
// domain brief is silent.
package fee
