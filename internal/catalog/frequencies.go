package catalog

// frequencies are the billing frequencies (docs/catalogues.md#6-frequencies), shortest
// first.
var frequencies = []Frequency{
	{ID: "weekly", Name: "Semanal", NameEn: "Weekly", Interval: IntervalWeek, IntervalCount: 1},
	{ID: "monthly", Name: "Mensual", NameEn: "Monthly", Interval: IntervalMonth, IntervalCount: 1},
	{ID: "quarterly", Name: "Trimestral", NameEn: "Quarterly", Interval: IntervalMonth, IntervalCount: 3},
	{ID: "biannual", Name: "Semestral", NameEn: "Every six months", Interval: IntervalMonth, IntervalCount: 6},
	{ID: "annual", Name: "Anual", NameEn: "Annual", Interval: IntervalMonth, IntervalCount: 12},
}
