package pdf417

// Mode codewords (ISO/IEC 15438 §5.4).
const (
	latchByte    = 901 // byte compaction, byte count not a multiple of 6
	latchByteSix = 924 // byte compaction, byte count a multiple of 6
	padCodeword  = 900 // pads the data up to the error correction
)

// byteCompaction encodes data in byte compaction mode (ISO/IEC 15438
// §5.4.3): the latch, then every complete group of 6 bytes as 5 base-900
// codewords (a 48-bit number), and the bytes of a final partial group one
// codeword each. 924 says that no partial group follows; 901 is used
// otherwise. Empty data needs no latch.
func byteCompaction(data []byte) []int {
	if len(data) == 0 {
		return nil
	}
	out := make([]int, 0, byteCompactionLen(len(data)))
	if len(data)%6 == 0 {
		out = append(out, latchByteSix)
	} else {
		out = append(out, latchByte)
	}
	for len(data) >= 6 {
		var v uint64
		for _, b := range data[:6] {
			v = v<<8 | uint64(b)
		}
		var group [5]int
		for i := 4; i >= 0; i-- {
			group[i] = int(v % 900)
			v /= 900
		}
		out = append(out, group[:]...)
		data = data[6:]
	}
	for _, b := range data {
		out = append(out, int(b))
	}
	return out
}

// byteCompactionLen is len(byteCompaction(data)) for n bytes.
func byteCompactionLen(n int) int {
	if n == 0 {
		return 0
	}
	return 1 + n/6*5 + n%6
}
