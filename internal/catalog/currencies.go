package catalog

// currencies is the starting currency catalogue (docs/catalogues.md#3-currencies-public).
var currencies = []Currency{
	{ID: "USD", Name: "Dólar Estadounidense", NameEn: "American Dollar", Country: "US", Default: true, IsChargeable: true, Available: true},
	{ID: "CLP", Name: "Peso Chileno", NameEn: "Chilean Peso", Country: "CL", Default: true, IsChargeable: true, Available: true, Rounded: true},
	{ID: "CLF", Name: "Unidad de Fomento", NameEn: "Unidad de Fomento", Conversion: "CLP", Country: "CL", Available: true},
	{ID: "MXN", Name: "Peso Mexicano", NameEn: "Mexican Peso", Country: "MX", Default: true, IsChargeable: true, Available: true},
	{ID: "COP", Name: "Peso Colombiano", NameEn: "Colombian Peso", Country: "CO", Default: true, IsChargeable: true, Available: true},
	{ID: "PEN", Name: "Sol Peruano", NameEn: "Peruvian Sol", Country: "PE", Default: true, IsChargeable: true, Available: true},
	{ID: "EUR", Name: "Euro", NameEn: "Euro", Country: "ES", Default: true, IsChargeable: true, Available: true},
}
