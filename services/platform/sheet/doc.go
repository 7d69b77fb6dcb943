// Package sheet holds the spreadsheet files finance offices exchange with
// Kehou: write.go streams reports out as .xlsx workbooks (excelize's
// StreamWriter) or CSV (UTF-8 with a BOM, or GB18030 on request), so a
// district's month goes from the database cursor to the HTTP response without
// being built in memory. Reading imported sheets belongs here too.
package sheet
