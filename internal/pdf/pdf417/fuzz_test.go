package pdf417

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzEncode: Encode never panics; a symbol it returns reads back, by
// the standard's rules rather than the encoder's code, to the data: every
// row is start, 2 + columns codewords of the row's cluster, stop; the
// Reed–Solomon syndromes are zero; undoing byte compaction gives the bytes.
func FuzzEncode(f *testing.F) {
	f.Add([]byte("<TED version=\"1.0\"><DD><RE>77123456-9</RE></DD></TED>"), uint8(17))
	f.Add([]byte{}, uint8(0))
	f.Add(bytes.Repeat([]byte{0xff}, 600), uint8(29))
	f.Add(bytes.Repeat([]byte{0}, 1034), uint8(29))
	f.Fuzz(func(t *testing.T, data []byte, c uint8) {
		cols := 1 + int(c)%MaxColumns
		s, err := Encode(data, 5, cols)
		if errors.Is(err, ErrTooLong) {
			if rows := max(MinRows, (CodewordCount(len(data), 5)+cols-1)/cols); rows <= MaxRows && rows*cols <= 928 {
				t.Fatalf("%d bytes in %d columns refused", len(data), cols)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if s.Rows < MinRows || s.Rows > MaxRows || s.Rows*s.Columns > 928 || s.Columns != cols {
			t.Fatalf("%d × %d", s.Rows, s.Columns)
		}
		if len(byteCompaction(data)) != byteCompactionLen(len(data)) {
			t.Fatalf("byteCompactionLen(%d) = %d, compacted to %d", len(data), byteCompactionLen(len(data)), len(byteCompaction(data)))
		}
		read := readCodewords(t, s)
		root := 1
		for i := 1; i <= 64; i++ {
			root = root * 3 % gfPrime
			if evalHighFirst(read, root) != 0 {
				t.Fatalf("syndrome %d not zero", i)
			}
		}
		if got := unByteCompaction(t, read[1:read[0]]); !bytes.Equal(got, data) {
			t.Fatalf("read back %x, want %x", got, data)
		}
	})
}

// readCodewords parses each row's modules into bar/space widths and looks
// them up in the row's cluster, checking the row indicators on the way.
func readCodewords(t *testing.T, s *Symbol) []int {
	lookup := [3]map[string]int{}
	for k := range 3 {
		lookup[k] = map[string]int{}
		for cw, p := range patterns[k] {
			lookup[k][p] = cw
		}
	}
	var out []int
	for r := range s.Rows {
		row := s.modules[r]
		var widths []byte
		for x := 0; x < len(row); {
			n := 1
			for x+n < len(row) && row[x+n] == row[x] {
				n++
			}
			widths = append(widths, byte('0'+n))
			x += n
		}
		w := string(widths)
		if len(w) != 8*(s.Columns+3)+9 || w[:8] != startWidths || w[len(w)-9:] != stopWidths {
			t.Fatalf("row %d: %s", r, w)
		}
		var cws []int
		for i := 8; i < len(w)-9; i += 8 {
			cw, ok := lookup[r%3][w[i:i+8]]
			if !ok {
				t.Fatalf("row %d: %s is not a codeword of cluster %d", r, w[i:i+8], 3*(r%3))
			}
			cws = append(cws, cw)
		}
		left, right := s.indicators(r)
		if cws[0] != left || cws[len(cws)-1] != right {
			t.Fatalf("row %d indicators %d %d", r, cws[0], cws[len(cws)-1])
		}
		out = append(out, cws[1:len(cws)-1]...)
	}
	if out[0] != s.Rows*s.Columns-64 {
		t.Fatalf("length descriptor %d", out[0])
	}
	return out
}

// unByteCompaction decodes a latch-901/924 byte compaction run, ignoring
// trailing padding.
func unByteCompaction(t *testing.T, cws []int) []byte {
	for len(cws) > 0 && cws[len(cws)-1] == padCodeword {
		cws = cws[:len(cws)-1]
	}
	if len(cws) == 0 {
		return []byte{}
	}
	latch, cws := cws[0], cws[1:]
	if latch != latchByte && latch != latchByteSix {
		t.Fatalf("latch %d", latch)
	}
	var out []byte
	for len(cws) >= 5 && (latch == latchByteSix || len(cws) > 5) {
		var v uint64
		for _, c := range cws[:5] {
			v = v*900 + uint64(c)
		}
		for i := 5; i >= 0; i-- {
			out = append(out, byte(v>>(8*i)))
		}
		cws = cws[5:]
	}
	if latch == latchByteSix && len(cws) != 0 {
		t.Fatalf("924 with %d trailing codewords", len(cws))
	}
	for _, c := range cws {
		if c > 255 {
			t.Fatalf("byte codeword %d", c)
		}
		out = append(out, byte(c))
	}
	return out
}
