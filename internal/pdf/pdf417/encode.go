// Package pdf417 encodes bytes as a PDF417 symbol (ISO/IEC 15438): byte
// compaction, Reed–Solomon error correction over GF(929) and the row
// indicators of each cluster. It draws nothing: a Symbol tells which
// modules are dark, and the caller chooses the module size.
package pdf417

import (
	"errors"
	"fmt"
	"image"
)

// Limits of the symbol (ISO/IEC 15438 §4.1 and §5.3).
const (
	MinRows      = 3
	MaxRows      = 90
	MaxColumns   = 30
	maxCodewords = 928 // rows × columns
	modulesPerCW = 17
	// overhead is the width in modules outside the data columns: start
	// pattern, left and right row indicators and the 18-module stop pattern.
	overhead = 17 + 17 + 17 + 18
)

// Start and stop patterns, as bar/space widths.
const (
	startWidths = "81111113"
	stopWidths  = "711311121"
)

// ErrTooLong is returned when the data does not fit in a symbol at the
// requested error-correction level and column count.
var ErrTooLong = errors.New("pdf417: data too long for one symbol")

// Symbol is an encoded PDF417 symbol: Rows rows of Columns data codewords
// between the start pattern, the row indicators and the stop pattern.
type Symbol struct {
	Rows, Columns int
	Level         int   // error-correction level, 0..8
	Codewords     []int // row by row, data then error correction (no indicators)
	modules       [][]bool
}

// Width is the number of modules of every row, quiet zones excluded.
func (s *Symbol) Width() int { return Width(s.Columns) }

// Width is the number of modules of a row of a symbol of that many data
// columns (quiet zones excluded).
func Width(columns int) int { return modulesPerCW*columns + overhead }

// Dark reports whether module x (0 ≤ x < Width) of row r is a bar.
func (s *Symbol) Dark(x, r int) bool { return s.modules[r][x] }

// ECCount is the number of error-correction codewords of a level: 2^(level+1).
func ECCount(level int) int { return 2 << level }

// CodewordCount is how many codewords (length descriptor, data and error
// correction, before padding) n bytes take at an error-correction level.
func CodewordCount(n, level int) int {
	return 1 + byteCompactionLen(n) + ECCount(level)
}

// Rows is the row count of a symbol of n bytes in that many columns; it
// fails when the symbol would exceed the standard's limits.
func Rows(n, level, columns int) (int, error) {
	if columns < 1 || columns > MaxColumns {
		return 0, fmt.Errorf("pdf417: %d columns (1..%d)", columns, MaxColumns)
	}
	total := CodewordCount(n, level)
	rows := max(MinRows, (total+columns-1)/columns)
	if rows > MaxRows || rows*columns > maxCodewords {
		return 0, ErrTooLong
	}
	return rows, nil
}

// Encode encodes data in byte compaction with the given error-correction
// level (0..8) in a symbol of that many data columns (1..30).
func Encode(data []byte, level, columns int) (*Symbol, error) {
	if level < 0 || level > 8 {
		return nil, fmt.Errorf("pdf417: error-correction level %d (0..8)", level)
	}
	rows, err := Rows(len(data), level, columns)
	if err != nil {
		return nil, err
	}
	ecc := ECCount(level)
	// The symbol length descriptor counts itself, the data and the padding:
	// every codeword but the error correction.
	dataLen := rows*columns - ecc
	cws := make([]int, 1, rows*columns)
	cws[0] = dataLen
	cws = append(cws, byteCompaction(data)...)
	for len(cws) < dataLen {
		cws = append(cws, padCodeword)
	}
	cws = append(cws, errorCorrection(cws, ecc)...)
	s := &Symbol{Rows: rows, Columns: columns, Level: level, Codewords: cws}
	s.modules = make([][]bool, rows)
	for r := range rows {
		s.modules[r] = s.row(r)
	}
	return s, nil
}

// row lays out the modules of row r: start, left indicator, data, right
// indicator, stop, every codeword drawn from the row's cluster.
func (s *Symbol) row(r int) []bool {
	cluster := r % 3
	left, right := s.indicators(r)
	m := make([]bool, 0, s.Width())
	m = appendWidths(m, startWidths)
	m = appendWidths(m, pattern(cluster, left))
	for _, cw := range s.Codewords[r*s.Columns : (r+1)*s.Columns] {
		m = appendWidths(m, pattern(cluster, cw))
	}
	m = appendWidths(m, pattern(cluster, right))
	return appendWidths(m, stopWidths)
}

// indicators are the left and right row indicator codewords of row r
// (ISO/IEC 15438 §5.3.3): 30 × (r div 3) plus, by cluster, the row count
// div 3, the level and row count 3 × level + (R-1) mod 3, or the
// data column count C-1; each cluster puts a different two of them on
// the left and on the right, so a decoder learns all three from any
// three consecutive rows.
func (s *Symbol) indicators(r int) (left, right int) {
	base := 30 * (r / 3)
	rowsPart := (s.Rows - 1) / 3
	levelPart := 3*s.Level + (s.Rows-1)%3
	colsPart := s.Columns - 1
	switch r % 3 {
	case 0:
		return base + rowsPart, base + colsPart
	case 1:
		return base + levelPart, base + rowsPart
	default:
		return base + colsPart, base + levelPart
	}
}

// appendWidths appends alternating bars and spaces, starting with a bar,
// of the given widths (digits).
func appendWidths(m []bool, widths string) []bool {
	for i := 0; i < len(widths); i++ {
		dark := i%2 == 0
		for range int(widths[i] - '0') {
			m = append(m, dark)
		}
	}
	return m
}

// Image draws the symbol in black on white, each module modulePx pixels
// wide and each row rowPx pixels high, inside a quiet zone of quiet
// modules on every side (the standard asks for at least 2).
func (s *Symbol) Image(modulePx, rowPx, quiet int) *image.Gray {
	qx, qy := quiet*modulePx, quiet*modulePx
	img := image.NewGray(image.Rect(0, 0, s.Width()*modulePx+2*qx, s.Rows*rowPx+2*qy))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for r := range s.Rows {
		for x, dark := range s.modules[r] {
			if !dark {
				continue
			}
			for dy := range rowPx {
				off := img.PixOffset(qx+x*modulePx, qy+r*rowPx+dy)
				clear(img.Pix[off : off+modulePx])
			}
		}
	}
	return img
}
