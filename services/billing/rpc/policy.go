package rpc

import az "github.com/kehou/kehou/services/platform/authz"

// Policy is who may call each billing method (docs/policies.md): the
// bureau and finance officers set fees and handle money; school
// administrators read their school's; a parent reads only their own
// children's statements, payments and balances (each request names the child).
var Policy = az.Merge(
	az.Methods("kehou.billing.v1.BillingService", map[string]az.Rule{
		"GetSchoolBalance":      az.Read(az.Bureau, az.Finance),
		"CreatePriceCeiling":    az.Change(az.Bureau, az.Finance),
		"ListPriceCeilings":     az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"CreateFeeSchedule":     az.Change(az.Bureau, az.Finance),
		"GetFeeSchedule":        az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"ListFeeSchedules":      az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"PutCostSheet":          az.Change(az.Bureau, az.Finance, az.SchoolAdmin),
		"GetCostSheet":          az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"CreateFeeRun":          az.Change(az.Bureau, az.Finance),
		"GetFeeRun":             az.Read(az.Bureau, az.Finance),
		"ListFeeRuns":           az.Read(az.Bureau, az.Finance),
		"VerifyFeeRun":          az.Read(az.Bureau, az.Finance),
		"PreviewFeeRun":         az.Read(az.Bureau, az.Finance),
		"ListStudentStatements": az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Parent),
		"ListClaims":            az.Read(az.Bureau, az.Finance),
		"ListAuditEvents":       az.Read(az.Bureau, az.Finance),
		// Imports are the bulk form of CreateFeeSchedule and CreateRateTable,
		// and go to the same roles (a school's finance officer: her school's
		// own versions); the export reads what ListFeeSchedules reads.
		"UploadImport":  az.Change(az.Bureau, az.Finance),
		"GetImport":     az.Read(az.Bureau, az.Finance),
		"ExportRecords": az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
	}),
	az.Methods("kehou.billing.v1.PaymentService", map[string]az.Rule{
		"RecordPayment":        az.Change(az.Bureau, az.Finance),
		"ListPayments":         az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Parent),
		"CreateRefund":         az.Change(az.Bureau, az.Finance),
		"ApplyCredit":          az.Change(az.Bureau, az.Finance),
		"CreateWriteOff":       az.Change(az.Bureau, az.Finance),
		"SettleTerm":           az.Change(az.Bureau, az.Finance),
		"ListBalances":         az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Parent),
		"ListOverdue":          az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"GetLedgerBalances":    az.Read(az.Bureau, az.Finance),
		"GetTrialBalance":      az.Read(az.Bureau, az.Finance),
		"ListProviderPayables": az.Read(az.Bureau, az.Finance),
		// 财政补助到账: finance records what a government payer transferred.
		"RecordPayerReceipt": az.Change(az.Bureau, az.Finance),
		"ListPayerReceipts":  az.Read(az.Bureau, az.Finance),
	}),
	az.Methods("kehou.billing.v1.RemunerationService", map[string]az.Rule{
		"GetPayBasis":     az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"CreateRateTable": az.Change(az.Bureau, az.Finance),
		"GetRateTable":    az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"ListRateTables":  az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		// Pay runs (劳务报酬): finance computes and pays; a teacher or
		// instructor reads only their own pay statements.
		"CreatePayRun":           az.Change(az.Bureau, az.Finance),
		"GetPayRun":              az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"ListPayRuns":            az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"VerifyPayRun":           az.Read(az.Bureau, az.Finance),
		"PayMonth":               az.Change(az.Bureau, az.Finance),
		"ListStaffPayStatements": az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor),
	}),
	// Exports (导出) read what the routes they mirror read: the pay sheet is
	// the school's, a person's statement also its owner's.
	az.Methods("kehou.billing.v1.ExportService", map[string]az.Rule{
		"ExportPaySheet":          az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		"ExportStaffPayStatement": az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor),
		"ExportReconciliation":    az.Read(az.Bureau, az.Finance),
		"ExportClaims":            az.Read(az.Bureau, az.Finance),
		"ExportFeeStatements":     az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
		// 机构结算: an institution manager reads their own institution's.
		"ExportInstitutionSettlement": az.Read(az.Bureau, az.Finance, az.Institution),
		// 收支公示 is published by the school: its administrators print it.
		"ExportPublicStatement": az.Read(az.Bureau, az.Finance, az.SchoolAdmin),
	}),
	// Reconciliation (对账) is the finance office's and the bureau's.
	az.Methods("kehou.billing.v1.ReconciliationService", map[string]az.Rule{
		"GetReconciliation":         az.Read(az.Bureau, az.Finance),
		"GetDistrictReconciliation": az.Read(az.Bureau, az.Finance),
		"GetInstitutionSettlement":  az.Read(az.Bureau, az.Finance, az.Institution),
		// 机构结算付款: finance pays it.
		"PayInstitutionSettlement": az.Change(az.Bureau, az.Finance),
		// The shares it checks are the district's settings (a school's override too).
		"SetShareLimits": az.Change(az.Bureau, az.Finance),
		"GetShareLimits": az.Read(az.Bureau, az.Finance),
	}),
)

// AuditedReads are the reads of personal data in bulk that the audit trail
// records (操作日志): the claim lists sent to payers, the overdue list, and
// the exports that carry families' or staff's records (claims, the pay sheet
// with its ID columns, a person's pay statement, an institution's
// settlement), with the object kind it records them as. The reconciliation
// and the public statement are totals, not personal data.
var AuditedReads = map[string]string{
	"/kehou.billing.v1.BillingService/ListClaims":                 "claim",
	"/kehou.billing.v1.PaymentService/ListOverdue":                "overdue",
	"/kehou.billing.v1.ExportService/ExportClaims":                "claim",
	"/kehou.billing.v1.ExportService/ExportPaySheet":              "pay_sheet",
	"/kehou.billing.v1.ExportService/ExportStaffPayStatement":     "pay_statement",
	"/kehou.billing.v1.ExportService/ExportInstitutionSettlement": "institution_settlement",
}
