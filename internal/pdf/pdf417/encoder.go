// Package pdf417 can create PDF-417 barcodes.
//
// A copy of github.com/boombuler/barcode/pdf417 v1.1.0 (MIT licence,
// LICENSE beside this file) with two changes for the Chilean SII stamp:
//   - the left row indicator of rows in cluster 0 is (rows-1)/3, as
//     ISO/IEC 15438 §5.3.2 says; upstream writes (rows-3)/3, so every
//     symbol whose row count is not a multiple of 3 failed to decode
//     (checked with ZXing);
//   - data is always encoded with byte compaction (the SII asks for it,
//     and upstream's text/numeric auto-switching miscounts non-UTF-8
//     ISO-8859-1 bytes).
package pdf417

import (
	"fmt"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/utils"
)

const (
	padding_codeword = 900
)

// Encodes the given data and color scheme as PDF417 barcode.
// securityLevel should be between 0 and 8. The higher the number, the more
// additional error-correction codes are added.
func EncodeWithColor(data string, securityLevel byte, color barcode.ColorScheme) (barcode.Barcode, error) {
	if securityLevel >= 9 {
		return nil, fmt.Errorf("Invalid security level %d", securityLevel)
	}

	sl := securitylevel(securityLevel)

	dataWords := encodeBinary([]byte(data))

	columns, rows := calcDimensions(len(dataWords), sl.ErrorCorrectionWordCount())
	if columns < minCols || columns > maxCols || rows < minRows || rows > maxRows {
		return nil, fmt.Errorf("Unable to fit data in barcode")
	}

	barcode := new(pdfBarcode)
	barcode.data = data
	barcode.color = color

	codeWords, err := encodeData(dataWords, columns, sl)
	if err != nil {
		return nil, err
	}

	grid := [][]int{}
	for i := 0; i < len(codeWords); i += columns {
		grid = append(grid, codeWords[i:min(i+columns, len(codeWords))])
	}

	codes := [][]int{}

	for rowNum, row := range grid {
		table := rowNum % 3
		rowCodes := make([]int, 0, columns+4)

		rowCodes = append(rowCodes, start_word)
		rowCodes = append(rowCodes, getCodeword(table, getLeftCodeWord(rowNum, rows, columns, securityLevel)))

		for _, word := range row {
			rowCodes = append(rowCodes, getCodeword(table, word))
		}

		rowCodes = append(rowCodes, getCodeword(table, getRightCodeWord(rowNum, rows, columns, securityLevel)))
		rowCodes = append(rowCodes, stop_word)

		codes = append(codes, rowCodes)
	}

	barcode.code = renderBarcode(codes)
	barcode.width = (columns+4)*17 + 1

	return barcode, nil
}

// Encodes the given data as PDF417 barcode.
// securityLevel should be between 0 and 8. The higher the number, the more
// additional error-correction codes are added.
func Encode(data string, securityLevel byte) (barcode.Barcode, error) {
	return EncodeWithColor(data, securityLevel, barcode.ColorScheme16)
}

func encodeData(dataWords []int, columns int, sl securitylevel) ([]int, error) {
	dataCount := len(dataWords)

	ecCount := sl.ErrorCorrectionWordCount()

	padWords := getPadding(dataCount, ecCount, columns)
	dataWords = append(dataWords, padWords...)

	length := len(dataWords) + 1
	dataWords = append([]int{length}, dataWords...)

	ecWords := sl.Compute(dataWords)

	return append(dataWords, ecWords...), nil
}

func getLeftCodeWord(rowNum int, rows int, columns int, securityLevel byte) int {
	tableId := rowNum % 3

	var x int

	switch tableId {
	case 0:
		x = (rows - 1) / 3
	case 1:
		x = int(securityLevel) * 3
		x += (rows - 1) % 3
	case 2:
		x = columns - 1
	}

	return 30*(rowNum/3) + x
}

func getRightCodeWord(rowNum int, rows int, columns int, securityLevel byte) int {
	tableId := rowNum % 3

	var x int

	switch tableId {
	case 0:
		x = columns - 1
	case 1:
		x = (rows - 1) / 3
	case 2:
		x = int(securityLevel) * 3
		x += (rows - 1) % 3
	}

	return 30*(rowNum/3) + x
}

func min(a, b int) int {
	if a <= b {
		return a
	}
	return b
}

func getPadding(dataCount int, ecCount int, columns int) []int {
	totalCount := dataCount + ecCount + 1
	mod := totalCount % columns

	padding := []int{}

	if mod > 0 {
		padCount := columns - mod
		padding = make([]int, padCount)
		for i := 0; i < padCount; i++ {
			padding[i] = padding_codeword
		}
	}

	return padding
}

func renderBarcode(codes [][]int) *utils.BitList {
	bl := new(utils.BitList)
	for _, row := range codes {
		lastIdx := len(row) - 1
		for i, col := range row {
			if i == lastIdx {
				bl.AddBits(col, 18)
			} else {
				bl.AddBits(col, 17)
			}
		}
	}
	return bl
}

const (
	latchToByte       = 924
	latchToBytePadded = 901
	shiftToByte       = 913
)

// encodeBinary is byte compaction (ISO/IEC 15438 §5.4.3): groups of six
// bytes as five base-900 codewords, the rest one codeword per byte.
func encodeBinary(data []byte) []int {
	result := []int{}
	count := len(data)
	if count == 1 {
		result = append(result, shiftToByte)
	} else if count%6 == 0 {
		result = append(result, latchToByte)
	} else {
		result = append(result, latchToBytePadded)
	}
	idx := 0
	words := make([]int, 5)
	for count-idx >= 6 {
		var t int64
		for i := 0; i < 6; i++ {
			t = t<<8 + int64(data[idx+i])
		}
		for i := 0; i < 5; i++ {
			words[4-i] = int(t % 900)
			t /= 900
		}
		result = append(result, words...)
		idx += 6
	}
	for i := idx; i < count; i++ {
		result = append(result, int(data[i]))
	}
	return result
}
