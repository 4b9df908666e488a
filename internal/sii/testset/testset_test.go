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
