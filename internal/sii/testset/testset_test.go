package testset

import (
	"testing"
)

// the shape of the SII's sets (tabs between columns, ISO-8859-1)
var sample = []byte("SET BASICO - N\xdaMERO DE ATENCI\xd3N: 4123456\n" +
	"==========================================\n\n" +
	"CASO 4123456-1\n==============\nDOCUMENTO\tFACTURA ELECTR\xd3NICA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\n" +
	"Caj\xf3n AFECTO\t\t\t\t123\t\t1513\n" +
	"Relleno AFECTO\t\t\t\t53\t\t1787\n\n" +
	"CASO 4123456-2\n==============\nDOCUMENTO\tFACTURA ELECTRONICA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\tDESCUENTO ITEM\n" +
	"Pa\xf1uelo AFECTO\t\t\t\t235\t\t1015\t\t4%\n" +
	"Servicio EXENTO\t\t\t\t1\t\t34985\n\n" +
	"DESCUENTO GLOBAL ITEMES AFECTOS\t\t7%\n\n" +
	"CASO 4123456-3\n==============\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n" +
	"REFERENCIA\tFACTURA ELECTRONICA CORRESPONDIENTE A CASO 4123456-1\n" +
	"RAZON REFERENCIA\tCORRIGE GIRO DEL RECEPTOR\n\n" +
	"CASO 4123456-4\n==============\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n" +
	"REFERENCIA\tFACTURA ELECTRONICA CORRESPONDIENTE A CASO 4123456-2\n" +
	"RAZON REFERENCIA\tDEVOLUCION DE MERCADERIAS\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\n" +
	"Pa\xf1uelo AFECTO\t\t\t\t86\n\n" +
	"CASO 4123456-5\n==============\nDOCUMENTO\tNOTA DE DEBITO ELECTRONICA\n" +
	"REFERENCIA\tNOTA DE CREDITO ELECTRONICA CORRESPONDIENTE A CASO 4123456-3\n" +
	"RAZON REFERENCIA\tANULA NOTA DE CREDITO ELECTRONICA\n")

// the guías and facturas de compra sets as the SII writes them: guía
// cases have no DOCUMENTO line (the set's title says it), a MOTIVO and,
// for sales, TRASLADO POR; internal transfers have no prices.
var sampleGuiasCompras = []byte("SET GUIA DE DESPACHO - N\xdaMERO DE ATENCI\xd3N: 4123457\n" +
	"==========================================\n\n" +
	"CASO 4123457-1\n==============\n" +
	"MOTIVO:       TRASLADO DE MATERIALES ENTRE BODEGAS DE LA EMPRESA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\n" +
	"ITEM 1\t\t\t\t\t56\n" +
	"ITEM 2\t\t\t\t\t39\n\n" +
	"CASO 4123457-2\n==============\n" +
	"MOTIVO:       VENTA\n" +
	"TRASLADO POR: EMISOR DEL DOCUMENTO AL LOCAL DEL CLIENTE\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\n" +
	"ITEM 1\t\t\t\t\t237\t\t3485\n\n" +
	"CASO 4123457-3\n==============\n" +
	"MOTIVO\tVENTA\n" +
	"TRASLADO POR\tCLIENTE\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\n" +
	"ITEM 1\t\t\t\t\t175\t\t4821\n\n\n" +
	"SET FACTURA DE COMPRA - N\xdaMERO DE ATENCI\xd3N: 4123458\n" +
	"==========================================\n\n" +
	"CASO 4123458-1\n==============\nDOCUMENTO\tFACTURA DE COMPRA ELECTR\xd3NICA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\n" +
	"Producto 1\t\t\t\t\t430\t\t5120\n\n" +
	"CASO 4123458-2\n==============\nDOCUMENTO\tNOTA DE CR\xc9DITO ELECTR\xd3NICA\n" +
	"REFERENCIA\tFACTURA DE COMPRA ELECTRONICA CORRESPONDIENTE A CASO 4123458-1\n" +
	"RAZON REFERENCIA\tDEVOLUCION DE MERCADERIA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\n" +
	"Producto 1\t\t\t\t\t143\n\n" +
	"CASO 4123458-3\n==============\nDOCUMENTO\tNOTA DE D\xc9BITO ELECTR\xd3NICA\n" +
	"REFERENCIA\tNOTA DE CREDITO ELECTRONICA CORRESPONDIENTE A CASO 4123458-2\n" +
	"RAZON REFERENCIA\tANULA NOTA DE CREDITO ELECTRONICA\n")

func TestParseGuiasAndCompras(t *testing.T) {
	s, err := Parse(append(append([]byte{}, sample...), sampleGuiasCompras...))
	if err != nil {
		t.Fatal(err)
	}
	if s.Attention != "4123456" || len(s.Cases) != 11 {
		t.Fatalf("set %+v", s)
	}
	if s.Cases[4].Type != 56 {
		t.Errorf("the basic set's last case became %+v", s.Cases[4])
	}
	g1, g2, g3 := s.Cases[5], s.Cases[6], s.Cases[7]
	if g1.ID != "4123457-1" || g1.Type != 52 || g1.ShippingType() != 5 || g1.DispatchType() != 0 || len(g1.Items) != 2 ||
		g1.Items[0].Name != "ITEM 1" || g1.Items[0].Quantity.String() != "56" || g1.Items[0].Price != nil {
		t.Errorf("guía 1 %+v", g1)
	}
	if g2.Type != 52 || g2.ShippingType() != 1 || g2.DispatchType() != 2 || g2.Items[0].Price.String() != "3485" {
		t.Errorf("guía 2 %+v", g2)
	}
	if g3.Type != 52 || g3.Motive != "VENTA" || g3.TransportBy != "CLIENTE" || g3.ShippingType() != 1 || g3.DispatchType() != 1 {
		t.Errorf("guía 3 %+v", g3)
	}
	c1, c2, c3 := s.Cases[8], s.Cases[9], s.Cases[10]
	if c1.Type != 46 || len(c1.Items) != 1 || c1.Items[0].Price.String() != "5120" || c1.Motive != "" {
		t.Errorf("compra 1 %+v", c1)
	}
	if c2.Type != 61 || c2.RefCase != "4123458-1" || c2.ReferenceCode() != 3 || c2.Items[0].Quantity.String() != "143" {
		t.Errorf("compra 2 %+v", c2)
	}
	if c3.Type != 56 || c3.RefCase != "4123458-2" || c3.ReferenceCode() != 1 {
		t.Errorf("compra 3 %+v", c3)
	}
}

func TestShippingAndDispatchTypes(t *testing.T) {
	for motive, want := range map[string]int{"": 1, "VENTA": 1, "Venta por efectuar": 2, "CONSIGNACIÓN": 3, "ENTREGA GRATUITA": 4,
		"TRASLADO DE MATERIALES ENTRE BODEGAS DE LA EMPRESA": 5, "TRASLADO INTERNO": 5, "OTROS TRASLADOS NO VENTA": 6,
		"GUIA DE DEVOLUCION": 7, "TRASLADO PARA EXPORTACION": 8, "VENTA PARA EXPORTACION": 9, "REPARACION": 0} {
		if got := (Case{Motive: motive}).ShippingType(); got != want {
			t.Errorf("MOTIVO %q: IndTraslado %d, want %d", motive, got, want)
		}
	}
	for by, want := range map[string]int{"": 0, "CLIENTE": 1, "EMISOR DEL DOCUMENTO AL LOCAL DEL CLIENTE": 2,
		"EMISOR DEL DOCUMENTO A OTRAS INSTALACIONES": 3, "BARCO": 0} {
		if got := (Case{TransportBy: by}).DispatchType(); got != want {
			t.Errorf("TRASLADO POR %q: TipoDespacho %d, want %d", by, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	s, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	if s.Attention != "4123456" || len(s.Cases) != 5 {
		t.Fatalf("set %+v", s)
	}
	c1, c2, c3, c4, c5 := s.Cases[0], s.Cases[1], s.Cases[2], s.Cases[3], s.Cases[4]
	if c1.ID != "4123456-1" || c1.Type != 33 || len(c1.Items) != 2 || c1.Items[0].Name != "Cajón AFECTO" || c1.Items[0].Quantity.String() != "123" ||
		c1.Items[0].Price.String() != "1513" || c1.Items[0].Exempt {
		t.Errorf("case 1 %+v", c1)
	}
	if c2.Items[0].DiscountPct.String() != "4" || !c2.Items[1].Exempt || c2.Items[1].DiscountPct != nil || c2.GlobalDiscountPct.String() != "7" {
		t.Errorf("case 2 %+v", c2)
	}
	if c3.Type != 61 || c3.RefCase != "4123456-1" || c3.ReferenceCode() != 2 || len(c3.Items) != 0 {
		t.Errorf("case 3 %+v", c3)
	}
	if c4.ReferenceCode() != 3 || len(c4.Items) != 1 || c4.Items[0].Price != nil || c4.Items[0].Quantity.String() != "86" {
		t.Errorf("case 4 %+v", c4)
	}
	if c5.Type != 56 || c5.RefCase != "4123456-3" || c5.ReferenceCode() != 1 {
		t.Errorf("case 5 %+v", c5)
	}
	if _, err := Parse([]byte("hello")); err == nil {
		t.Error("a file without cases parsed")
	}
	if _, err := Parse([]byte("CASO 1-1\nDOCUMENTO\tFACTURA ELECTRONICA\nITEM\tCANTIDAD\nX\tmuchos\n")); err == nil {
		t.Error("a bad quantity parsed")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add(sampleGuiasCompras)
	f.Add([]byte("CASO 1-1\nITEM\tCANTIDAD\tPRECIO\n\t1\t2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		for _, c := range s.Cases {
			for _, it := range c.Items {
				if it.Name == "" {
					t.Fatal("item without a name")
				}
			}
		}
	})
}
