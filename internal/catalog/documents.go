package catalog

// documentTypes is the starting document type catalogue (docs/catalogues.md#4-document-types).
// Flags not set are false; IsForeign is false for all of them. The US*
// types have no tax agency and are the generic documents of every
// workspace; the CL* types are Chilean DTEs sent to the SII.
var documentTypes = []DocumentType{
	{ID: "US1", Code: "1", Name: "Invoice", Country: "US", Currency: "USD", Kind: KindInvoice, Tax: dec("0"),
		HasTaxes: true, HasTaxesDetail: true, IsSale: true, IsPurchase: true, Biller: BillerNone, MaxLines: 500},
	{ID: "US2", Code: "2", Name: "Order", Country: "US", Currency: "USD", Kind: KindOrder, Tax: dec("0"),
		HasTaxes: true, HasTaxesDetail: true, IsOrder: true, Biller: BillerNone, MaxLines: 500},
	{ID: "US3", Code: "3", Name: "Credit note", Country: "US", Currency: "USD", Kind: KindCreditNote, Tax: dec("0"),
		HasTaxes: true, HasTaxesDetail: true, IsSale: true, Biller: BillerNone, MaxLines: 500},
	{ID: "US4", Code: "4", Name: "Debit note", Country: "US", Currency: "USD", Kind: KindDebitNote, Tax: dec("0"),
		HasTaxes: true, HasTaxesDetail: true, IsSale: true, Biller: BillerNone, MaxLines: 500},
	{ID: "US5", Code: "5", Name: "Purchase", Country: "US", Currency: "USD", Kind: KindPurchase, Tax: dec("0"),
		HasTaxes: true, HasTaxesDetail: true, IsPurchase: true, Biller: BillerNone, MaxLines: 500},
	{ID: "US6", Code: "6", Name: "Purchase credit note", Country: "US", Currency: "USD", Kind: KindCreditNote, Tax: dec("0"),
		HasTaxes: true, HasTaxesDetail: true, IsPurchase: true, Biller: BillerNone, MaxLines: 500},
	{ID: "US7", Code: "7", Name: "Retention", Country: "US", Currency: "USD", Kind: KindRetention, Tax: dec("0"),
		HoldTaxes: true, IsPurchase: true, Biller: BillerNone, MaxLines: 100},
	{ID: "CL33", Code: "33", Name: "Factura electrónica", Country: "CL", Currency: "CLP", Kind: KindInvoice, Tax: dec("19"),
		HasTaxes: true, HasTaxesDetail: true, HasLocalFormat: true, IsSale: true, IsPurchase: true, Send: true, Given: true, Biller: BillerCLSII, MaxLines: 60},
	{ID: "CL34", Code: "34", Name: "Factura exenta electrónica", Country: "CL", Currency: "CLP", Kind: KindInvoice, Tax: dec("0"),
		HasLocalFormat: true, IsSale: true, IsPurchase: true, Send: true, Given: true, Biller: BillerCLSII, MaxLines: 60},
	{ID: "CL39", Code: "39", Name: "Boleta electrónica", Country: "CL", Currency: "CLP", Kind: KindInvoice, Tax: dec("19"),
		HasTaxes: true, HasLinesTotal: true, HasLocalFormat: true, IsSale: true, Send: true, Biller: BillerCLSII, MaxLines: 1000},
	{ID: "CL46", Code: "46", Name: "Factura de compra electrónica", Country: "CL", Currency: "CLP", Kind: KindPurchase, Tax: dec("19"),
		HasTaxes: true, HasTaxesDetail: true, HasLocalFormat: true, HoldTaxes: true, IsPurchase: true, Send: true, Biller: BillerCLSII, MaxLines: 60},
	{ID: "CL52", Code: "52", Name: "Guía de despacho electrónica", Country: "CL", Currency: "CLP", Kind: KindOrder, Tax: dec("19"),
		HasTaxes: true, HasTaxesDetail: true, HasLocalFormat: true, IsOrder: true, Send: true, Biller: BillerCLSII, MaxLines: 60},
	{ID: "CL56", Code: "56", Name: "Nota de débito electrónica", Country: "CL", Currency: "CLP", Kind: KindDebitNote, Tax: dec("19"),
		HasTaxes: true, HasTaxesDetail: true, HasLocalFormat: true, IsSale: true, IsPurchase: true, Send: true, Biller: BillerCLSII, MaxLines: 60},
	{ID: "CL61", Code: "61", Name: "Nota de crédito electrónica", Country: "CL", Currency: "CLP", Kind: KindCreditNote, Tax: dec("19"),
		HasTaxes: true, HasTaxesDetail: true, HasLocalFormat: true, IsSale: true, IsPurchase: true, Send: true, Biller: BillerCLSII, MaxLines: 60},
}
