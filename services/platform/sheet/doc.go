// Package sheet holds the spreadsheet files schools and finance offices
// exchange with Kehou. write.go streams reports out as .xlsx workbooks
// (excelize's StreamWriter) or CSV (UTF-8 with a BOM, or GB18030 on
// request), so a district's month goes from the database cursor to the HTTP
// response without being built in memory. read.go takes imports in: .xlsx
// (excelize's row reader) and CSV in UTF-8 or GB18030/GBK, the encoding
// Chinese office software and the provincial student registries (学籍系统)
// still write; it matches columns by their Chinese header (or its English
// name), holds one row at a time, and says why it refuses a file in English
// and Chinese.
package sheet
