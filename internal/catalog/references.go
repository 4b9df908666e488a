package catalog

// referenceTypes are the codes accepted in references[].document besides
// document type ids (docs/catalogues.md#5-reference-types).
var referenceTypes = []ReferenceType{
	{ID: "801", Name: "Orden de compra", Country: "CL"},
	{ID: "802", Name: "Nota de pedido", Country: "CL"},
	{ID: "803", Name: "Contrato", Country: "CL"},
	{ID: "804", Name: "Resolución", Country: "CL"},
	{ID: "HES", Name: "Hoja de entrada de servicio", Country: "CL"},
	{ID: "SET", Name: "Set de pruebas (SII certification)", Country: "CL"},
	{ID: "PO", Name: "Purchase order", Country: "US"},
	{ID: "CTR", Name: "Contract", Country: "US"},
}
