package pdf417

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/cobrobilling/cobro/internal/scantest"
)

// The Annex A table: 929 distinct patterns per cluster of 4 bars and 4
// spaces 1..6 modules wide adding up to 17, each in the cluster its bar
// widths say ((b1 − b2 + b3 − b4 + 9) mod 9 = 0, 3, 6), none repeated.
func TestPatternTable(t *testing.T) {
	seen := map[string]bool{}
	for k := range 3 {
		if len(patterns[k]) != 929 {
			t.Fatalf("cluster %d: %d patterns", 3*k, len(patterns[k]))
		}
		for cw, p := range patterns[k] {
			if len(p) != 8 || seen[p] {
				t.Fatalf("cluster %d codeword %d: %q (length or repeated)", 3*k, cw, p)
			}
			seen[p] = true
			sum, w := 0, [8]int{}
			for i := range p {
				w[i] = int(p[i] - '0')
				if w[i] < 1 || w[i] > 6 {
					t.Fatalf("cluster %d codeword %d: %q has a width outside 1..6", 3*k, cw, p)
				}
				sum += w[i]
			}
			if sum != 17 || (w[0]-w[2]+w[4]-w[6]+9)%9 != 3*k {
				t.Fatalf("cluster %d codeword %d: %q (sum %d, cluster %d)", 3*k, cw, p, sum, (w[0]-w[2]+w[4]-w[6]+9)%9)
			}
		}
	}
	// entries of the standard's table, as printed there
	for _, c := range []struct {
		cluster, cw int
		want        string
	}{{0, 0, "31111136"}, {1, 0, "51111125"}, {2, 0, "21111155"}, {2, 928, "33611111"}} {
		if got := pattern(c.cluster, c.cw); got != c.want {
			t.Errorf("cluster %d codeword %d = %s, want %s", 3*c.cluster, c.cw, got, c.want)
		}
	}
}

// The generator polynomial has 3, 3², …, 3^k as roots, and every encoded
// symbol's codewords, read as a polynomial, vanish there too: the
// Reed–Solomon check a reader makes.
func TestErrorCorrection(t *testing.T) {
	for level := range 9 {
		k := ECCount(level)
		g := generator(k)
		if g[k] != 1 {
			t.Fatalf("level %d: generator not monic: %v", level, g[k])
		}
		root := 1
		for i := 1; i <= k; i++ {
			root = root * 3 % gfPrime
			if v := evalLowFirst(g, root); v != 0 {
				t.Fatalf("level %d: g(3^%d) = %d", level, i, v)
			}
		}
		s, err := Encode(bytes.Repeat([]byte("Cami\xf3n "), 7), level, 20)
		if err != nil {
			t.Fatal(err)
		}
		root = 1
		for i := 1; i <= k; i++ {
			root = root * 3 % gfPrime
			if v := evalHighFirst(s.Codewords, root); v != 0 {
				t.Fatalf("level %d: syndrome %d = %d", level, i, v)
			}
		}
	}
}

func evalLowFirst(c []int, x int) int {
	v := 0
	for i := len(c) - 1; i >= 0; i-- {
		v = (v*x + c[i]) % gfPrime
	}
	return v
}

func evalHighFirst(c []int, x int) int {
	v := 0
	for _, d := range c {
		v = (v*x + d) % gfPrime
	}
	return v
}

// Byte compaction (ISO/IEC 15438 §5.4.3): 924 when the bytes are whole groups of six,
// 901 otherwise, six bytes → five base-900 codewords, the rest one each.
func TestByteCompaction(t *testing.T) {
	six := []byte{1, 2, 3, 4, 5, 6}
	var v uint64 = 0x010203040506
	want := make([]int, 5)
	for i := 4; i >= 0; i-- {
		want[i] = int(v % 900)
		v /= 900
	}
	got := byteCompaction(six)
	if got[0] != 924 || len(got) != 6 || !equalInts(got[1:], want) {
		t.Errorf("6 bytes: %v, want 924 %v", got, want)
	}
	got = byteCompaction(append(six, 0xff))
	if got[0] != 901 || len(got) != 7 || !equalInts(got[1:6], want) || got[6] != 0xff {
		t.Errorf("7 bytes: %v", got)
	}
	if got := byteCompaction([]byte{0xe9, 0}); !equalInts(got, []int{901, 0xe9, 0}) {
		t.Errorf("2 bytes: %v", got)
	}
	if got := byteCompaction(nil); len(got) != 0 {
		t.Errorf("no bytes: %v", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Symbol structure: the length descriptor, padding, every row's width and
// start/stop patterns, and the row indicators of ISO/IEC 15438 §5.3.3 for each cluster.
func TestSymbolStructure(t *testing.T) {
	data := []byte("<TED version=\"1.0\">\xd1and\xfa</TED>")
	s, err := Encode(data, 5, 4)
	if err != nil {
		t.Fatal(err)
	}
	compacted := byteCompaction(data)
	total := 1 + len(compacted) + 64
	if s.Rows != (total+3)/4 || len(s.Codewords) != s.Rows*4 {
		t.Fatalf("%d rows, %d codewords for %d", s.Rows, len(s.Codewords), total)
	}
	if s.Codewords[0] != s.Rows*4-64 {
		t.Errorf("length descriptor %d, want %d", s.Codewords[0], s.Rows*4-64)
	}
	for i := 1 + len(compacted); i < s.Codewords[0]; i++ {
		if s.Codewords[i] != 900 {
			t.Errorf("codeword %d = %d, want padding 900", i, s.Codewords[i])
		}
	}
	if s.Width() != 17*4+69 {
		t.Errorf("width %d", s.Width())
	}
	start, stop := appendWidths(nil, startWidths), appendWidths(nil, stopWidths)
	for r := range s.Rows {
		row := s.modules[r]
		if len(row) != s.Width() || !equalBools(row[:17], start) || !equalBools(row[len(row)-18:], stop) {
			t.Fatalf("row %d: width %d or start/stop wrong", r, len(row))
		}
	}
	// 26 rows, 4 columns, level 5: div 3 = 8, 3·5 + (R-1) mod 3 = 16, C-1 = 3
	s, _ = Encode(bytes.Repeat([]byte{'x'}, 41), 5, 4)
	if s.Rows != 26 {
		t.Fatalf("%d rows, want 26 for this case", s.Rows)
	}
	for r, want := range map[int][2]int{0: {8, 3}, 1: {16, 8}, 2: {3, 16}, 3: {38, 33}, 22: {210 + 16, 210 + 8}, 24: {240 + 8, 240 + 3}, 25: {240 + 16, 240 + 8}} {
		if l, rt := s.indicators(r); l != want[0] || rt != want[1] {
			t.Errorf("row %d indicators %d, %d; want %v", r, l, rt, want)
		}
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLimits(t *testing.T) {
	if _, err := Encode(make([]byte, 1100), 5, 30); err != ErrTooLong {
		t.Errorf("1,100 bytes at level 5: %v", err)
	}
	if _, err := Encode(make([]byte, 1000), 5, 5); err != ErrTooLong {
		t.Errorf("1,000 bytes in 5 columns (over 90 rows): %v", err)
	}
	if _, err := Encode([]byte("x"), 9, 5); err == nil {
		t.Error("level 9 accepted")
	}
	if _, err := Encode([]byte("x"), 5, 31); err == nil {
		t.Error("31 columns accepted")
	}
	s, err := Encode(nil, 0, 1)
	if err != nil || s.Rows != MinRows {
		t.Errorf("empty data: %v %+v", err, s)
	}
}

// TED-like payloads of 100 to 1,000 bytes of ISO-8859-1 (random bytes,
// the high half included) encoded at the SII's level 5, drawn, and read
// back by ZXing C++ to the exact bytes.
func TestDecodeWithZXing(t *testing.T) {
	dec := scantest.NewDecoder(t)
	rng := rand.New(rand.NewPCG(15438, 5))
	type sample struct {
		data       []byte
		cols, rows int
	}
	var samples []sample
	var images [][]byte
	for _, n := range []int{100, 101, 250, 431, 600, 777, 826, 907, 1000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		for _, cols := range []int{12, 18, 24} {
			s, err := Encode(data, 5, cols)
			if err != nil {
				t.Fatalf("%d bytes, %d columns: %v", n, cols, err)
			}
			samples = append(samples, sample{data, cols, s.Rows})
			images = append(images, scantest.PGM(s.Image(2, 6, 2)))
		}
	}
	for i, got := range dec.DecodeAll(t, images) {
		s := samples[i]
		if len(got) != 1 || !bytes.Equal(got[0], s.data) {
			t.Errorf("%d bytes, %d columns (%d rows): decoded %d symbols, first %x…", len(s.data), s.cols, s.rows, len(got), first(got))
		}
	}
}

func first(got [][]byte) []byte {
	if len(got) == 0 {
		return nil
	}
	return got[0][:min(16, len(got[0]))]
}
